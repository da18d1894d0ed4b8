/**
 * The per-process bound on inference calls in flight (MAX_IN_FLIGHT): a call takes a slot or waits, first come
 * first served, up to MAX_QUEUE_WAIT_MS for one; past that wait it is shed. `shed` counts the calls refused, for
 * the health route and metrics.
 */
export class InFlightLimit {
  inFlight = 0;
  /** Calls refused because no slot came free in time, since the process started. */
  shed = 0;
  private readonly waiters: ((admitted: boolean) => void)[] = [];

  /** `max` 0: no limit (every call is admitted at once, and only counted). */
  constructor(
    readonly max: number,
    readonly maxWaitMs: number,
  ) {}

  get queued(): number {
    return this.waiters.length;
  }

  /** Every slot is taken: a new call would wait, or be shed. */
  get overloaded(): boolean {
    return this.max > 0 && this.inFlight >= this.max;
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    if (this.max > 0 && (this.inFlight >= this.max || this.waiters.length > 0)) return false;
    this.inFlight += 1;
    return true;
  }

  /**
   * Waits for a slot: resolves true holding one, or false when the wait ran out (counted as shed) or `abandon` was
   * called (the caller left; not counted).
   */
  acquire(): { admitted: Promise<boolean>; abandon(): void } {
    if (this.tryAcquire()) return { admitted: Promise.resolve(true), abandon: () => undefined };
    let settle!: (admitted: boolean) => void;
    const admitted = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.shed += 1;
        settle(false);
      }, this.maxWaitMs);
      settle = (value) => {
        clearTimeout(timer);
        const index = this.waiters.indexOf(settle);
        if (index !== -1) this.waiters.splice(index, 1);
        resolve(value);
      };
      this.waiters.push(settle);
    });
    return { admitted, abandon: () => settle(false) };
  }

  /** Gives a slot back: to the call that waited longest, if one waits. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next(true);
    else this.inFlight -= 1;
  }
}
