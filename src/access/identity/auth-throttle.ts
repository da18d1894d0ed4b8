interface FailureRecord {
  failures: number;
  lastFailureAt: number;
  lockedUntil: number;
}

/** Failures answered at full speed before each further one is delayed. */
const FREE_FAILURES = 3;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;
/** Addresses tracked at most; beyond it the oldest quiet ones are forgotten. */
const MAX_ADDRESSES = 10_000;

/**
 * Slows down and then refuses an address that keeps presenting bad tokens: after a few failures each further one
 * is answered after a growing delay, and at `maxFailures` the address is refused with 429 for `lockoutMs`. An
 * address that stays quiet for `lockoutMs` starts afresh. Kept per instance.
 */
export class AuthThrottle {
  private readonly records = new Map<string, FailureRecord>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether any address has failures on record; until one has, no address needs looking up. */
  get tracking(): boolean {
    return this.records.size > 0;
  }

  /** Milliseconds the address must still wait, or 0 when it may try. */
  lockedFor(address: string): number {
    const record = this.records.get(address);
    if (!record) return 0;
    return Math.max(0, record.lockedUntil - this.now());
  }

  /** Counts a failure; returns how long to hold the answer back. */
  failed(address: string): number {
    const now = this.now();
    let record = this.records.get(address);
    if (!record || now - record.lastFailureAt > this.lockoutMs) {
      if (this.records.size >= MAX_ADDRESSES) this.forgetQuiet(now);
      record = { failures: 0, lastFailureAt: now, lockedUntil: 0 };
      this.records.set(address, record);
    }
    record.failures++;
    record.lastFailureAt = now;
    if (record.failures >= this.maxFailures) record.lockedUntil = now + this.lockoutMs;
    if (record.failures <= FREE_FAILURES) return 0;
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (record.failures - FREE_FAILURES - 1));
  }

  private forgetQuiet(now: number): void {
    for (const [address, record] of this.records) {
      if (now - record.lastFailureAt > this.lockoutMs && record.lockedUntil <= now) this.records.delete(address);
    }
    // Still full (an attack from many addresses): drop the oldest half rather than grow.
    if (this.records.size >= MAX_ADDRESSES) {
      const oldest = [...this.records.entries()].sort((a, b) => a[1].lastFailureAt - b[1].lastFailureAt);
      for (const [address] of oldest.slice(0, oldest.length / 2)) this.records.delete(address);
    }
  }
}
