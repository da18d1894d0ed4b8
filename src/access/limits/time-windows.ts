/**
 * The calendar windows that limits, budgets and statistics count in: this minute, hour, day and month in the
 * operator's time zone (TIMEZONE), so a daily budget resets at local midnight as operators expect.
 */

export type Period = 'minute' | 'hour' | 'day' | 'month';

export const PERIODS: readonly Period[] = ['minute', 'hour', 'day', 'month'];

/** The windows containing one instant, with their ids (`202611221430`, `2026112214`, `20261122`, `202611`). */
export interface TimeWindows {
  readonly minute: string;
  readonly hour: string;
  readonly day: string;
  readonly month: string;
  /** Seconds from the instant to the start of the next minute, day and month (at least 1). */
  readonly secondsToNextMinute: number;
  readonly secondsToNextDay: number;
  readonly secondsToNextMonth: number;
}

interface LocalMinute {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Throws RangeError for a name the runtime does not know. */
export function assertTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone });
}

export class WindowClock {
  private readonly format: Intl.DateTimeFormat;
  /** Formatting is slow (microseconds); the local minute is computed once per minute. */
  private cachedEpochMinute = Number.NaN;
  private cachedLocal: LocalMinute = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
  /** Every metered call asks for its windows; they change once a second. Callers do not modify them. */
  private cachedEpochSecond = Number.NaN;
  private cachedWindows: TimeWindows | undefined;

  constructor(
    readonly timeZone: string,
    private readonly now: () => number = Date.now,
  ) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  }

  windows(at: number = this.now()): TimeWindows {
    const epochSecond = Math.floor(at / 1000);
    if (epochSecond === this.cachedEpochSecond && this.cachedWindows) return this.cachedWindows;
    this.cachedWindows = this.windowsAt(at);
    this.cachedEpochSecond = epochSecond;
    return this.cachedWindows;
  }

  private windowsAt(at: number): TimeWindows {
    const local = this.localMinute(at);
    const second = Math.floor(at / 1000) % 60;
    const secondsToNextMinute = 60 - second;
    const secondsToNextDay = (23 - local.hour) * 3600 + (59 - local.minute) * 60 + secondsToNextMinute;
    const daysInMonth = new Date(Date.UTC(local.year, local.month, 0)).getUTCDate();
    const day = `${local.year}${pad(local.month)}${pad(local.day)}`;
    const hour = `${day}${pad(local.hour)}`;
    return {
      minute: `${hour}${pad(local.minute)}`,
      hour,
      day,
      month: `${local.year}${pad(local.month)}`,
      secondsToNextMinute,
      secondsToNextDay,
      secondsToNextMonth: (daysInMonth - local.day) * 86_400 + secondsToNextDay,
    };
  }

  /**
   * The ids of the `count` windows of `period` that end with the one containing `at`, newest first (the last 60
   * minutes, the last 24 hours, …), for summing statistics over a rolling span.
   */
  recent(period: Period, count: number, at: number = this.now()): string[] {
    if (period === 'month') {
      const { year, month } = this.localMinute(at);
      return Array.from({ length: count }, (_, back) => {
        const index = year * 12 + (month - 1) - back;
        return `${Math.floor(index / 12)}${pad((index % 12) + 1)}`;
      });
    }
    const step = period === 'minute' ? 60_000 : period === 'hour' ? 3_600_000 : 86_400_000;
    const ids: string[] = [];
    // A repeated DST hour gives the same id twice (skipped); a skipped one simply does not exist.
    for (let back = 0; ids.length < count && back < count * 2; back++) {
      const id = this.windows(at - back * step)[period];
      if (ids.at(-1) !== id) ids.push(id);
    }
    return ids;
  }

  private localMinute(at: number): LocalMinute {
    const epochMinute = Math.floor(at / 60_000);
    if (epochMinute !== this.cachedEpochMinute) {
      const parts: Record<string, number> = {};
      for (const part of this.format.formatToParts(new Date(epochMinute * 60_000))) {
        if (part.type !== 'literal') parts[part.type] = Number(part.value);
      }
      this.cachedLocal = { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute! };
      this.cachedEpochMinute = epochMinute;
    }
    return this.cachedLocal;
  }
}
