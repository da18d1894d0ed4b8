import type { Logger } from '../../logging/logger.js';

/** How often, at most, a failing usage store is reported: an outage must not flood the log. */
export const STORE_WARNING_INTERVAL_MS = 10_000;

/** Warnings about the usage stores (limits, statistics, logs), one every ten seconds at most across all of them. */
export class StoreWarning {
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  warn(what: string, error: unknown): void {
    const now = this.now();
    if (now - this.last < STORE_WARNING_INTERVAL_MS) return;
    this.last = now;
    this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, `usage store failed while ${what}`);
  }
}
