import type { RedisConnection } from '../../storage/redis-client.js';
import type { Period } from '../limits/time-windows.js';

/** Counts to add: per window (`minute:202611221430`) the amounts per field (`m|gpt-4o|tt`). */
export type StatsIncrements = Map<string, Map<string, number>>;

/** How many windows of each period are kept: enough for the stats API's spans (60 minutes, 24 hours, 30 days …). */
const KEPT_WINDOWS: Record<Period, number> = { minute: 120, hour: 48, day: 62, month: 24 };
const SECONDS: Record<Period, number> = { minute: 60, hour: 3600, day: 86_400, month: 31 * 86_400 };

/**
 * Usage statistics: counters per window of time and per field, summed over windows when read. Written in batches
 * (the meter flushes once a second), so their cost stays off the request path.
 */
export interface StatsStore {
  add(increments: StatsIncrements): Promise<void>;
  /** The sums over the given windows of one period, per field. */
  read(period: Period, windowIds: readonly string[]): Promise<Map<string, number>>;
}

export function addInto(target: Map<string, number>, field: string, amount: number): void {
  if (amount !== 0) target.set(field, (target.get(field) ?? 0) + amount);
}

export class MemoryStatsStore implements StatsStore {
  private readonly windows = new Map<string, Map<string, number>>();

  async add(increments: StatsIncrements): Promise<void> {
    for (const [window, fields] of increments) {
      let counters = this.windows.get(window);
      if (!counters) {
        counters = new Map();
        this.windows.set(window, counters);
        this.dropOldWindows(window.slice(0, window.indexOf(':')) as Period);
      }
      for (const [field, amount] of fields) addInto(counters, field, amount);
    }
  }

  async read(period: Period, windowIds: readonly string[]): Promise<Map<string, number>> {
    const sums = new Map<string, number>();
    for (const id of windowIds) {
      for (const [field, amount] of this.windows.get(`${period}:${id}`) ?? []) addInto(sums, field, amount);
    }
    return sums;
  }

  /** Window ids sort by time, so the oldest beyond what is kept are the first in order. */
  private dropOldWindows(period: Period): void {
    const ofPeriod = [...this.windows.keys()].filter((window) => window.startsWith(`${period}:`)).sort();
    for (const window of ofPeriod.slice(0, Math.max(0, ofPeriod.length - KEPT_WINDOWS[period]))) this.windows.delete(window);
  }
}

/** One Redis hash per window (`<prefix>stats:minute:202611221430`), expiring when no span reads it any more. */
export class RedisStatsStore implements StatsStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  /** One pipeline per window: a window's hash is one key, and on a cluster windows live on different nodes. */
  async add(increments: StatsIncrements): Promise<void> {
    await Promise.all(
      [...increments].map(async ([window, fields]) => {
        const key = `${this.prefix}stats:${window}`;
        const pipeline = this.redis.pipeline();
        for (const [field, amount] of fields) pipeline.hincrby(key, field, amount);
        const period = window.slice(0, window.indexOf(':')) as Period;
        pipeline.expire(key, KEPT_WINDOWS[period] * SECONDS[period]);
        const failure = (await pipeline.exec())?.find(([error]) => error);
        if (failure) throw failure[0]!;
      }),
    );
  }

  async read(period: Period, windowIds: readonly string[]): Promise<Map<string, number>> {
    const hashes = await Promise.all(windowIds.map((id) => this.redis.hgetall(`${this.prefix}stats:${period}:${id}`)));
    const sums = new Map<string, number>();
    for (const hash of hashes) {
      for (const [field, amount] of Object.entries(hash)) addInto(sums, field, Number(amount) || 0);
    }
    return sums;
  }
}
