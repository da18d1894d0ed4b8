import type { LogStore, RequestRecord, UpstreamErrorRecord } from '../../logging/log-store.js';
import type { StatsIncrements, StatsStore } from '../stats/stats-store.js';
import { emptyMinute, mergeIncrements, statsIncrements, type MinuteTotals } from './usage-rollup.js';
import type { StoreWarning } from './store-warning.js';

/** Records queued beyond this (the store unreachable for long) are dropped, oldest first, to bound memory. */
export const MAX_QUEUED_RECORDS = 20_000;
const PRUNE_INTERVAL_MS = 3_600_000;

export interface UsageWriterOptions {
  stats: StatsStore;
  logs: LogStore;
  warning: StoreWarning;
  flushIntervalMs?: number;
}

/**
 * Writes usage away from the request path: queues request records, error records and each minute's calls, and
 * writes them in batches (once a second by default). What a failed write leaves behind is kept for the next flush.
 * Also prunes the logs once an hour.
 */
export class UsageWriter {
  private readonly stats: StatsStore;
  private readonly logs: LogStore;
  private readonly warning: StoreWarning;
  /** Calls since the last flush, per minute window; spread over the hour, day and month windows when written. */
  private pending = new Map<string, MinuteTotals>();
  /** Statistics a failed write left behind, retried with the next flush. */
  private unwritten: StatsIncrements = new Map();
  private requests: RequestRecord[] = [];
  private errors: UpstreamErrorRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(options: UsageWriterOptions) {
    this.stats = options.stats;
    this.logs = options.logs;
    this.warning = options.warning;
    this.flushTimer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000).unref();
    this.pruneTimer = setInterval(
      () => this.track(this.logs.prune(Date.now()).catch((error: unknown) => this.warning.warn('pruning the logs', error))),
      PRUNE_INTERVAL_MS,
    ).unref();
  }

  /** The calls of minute `minute` (`202611221430`) not yet written, to count a finished call into. */
  minute(minute: string): MinuteTotals {
    let totals = this.pending.get(minute);
    if (!totals) this.pending.set(minute, (totals = emptyMinute()));
    return totals;
  }

  /** Queues a request record and the upstream errors of its call; the caller must not change them afterwards. */
  queue(request: RequestRecord, errors: readonly UpstreamErrorRecord[] = []): void {
    this.requests.push(request);
    for (const error of errors) this.errors.push(error);
    this.bound();
  }

  /** Writes what is queued; what fails to write is kept for the next flush. */
  async flush(): Promise<void> {
    const increments = mergeIncrements(this.unwritten, statsIncrements(this.pending));
    const requests = this.requests;
    const errors = this.errors;
    this.pending = new Map();
    this.unwritten = new Map();
    this.requests = [];
    this.errors = [];
    const writes: Promise<void>[] = [];
    if (increments.size > 0) {
      writes.push(
        this.stats.add(increments).catch((error: unknown) => {
          this.warning.warn('writing usage statistics', error);
          this.unwritten = mergeIncrements(this.unwritten, increments);
        }),
      );
    }
    if (requests.length > 0) {
      writes.push(
        this.logs.appendRequests(requests).catch((error: unknown) => {
          this.warning.warn('writing the request log', error);
          this.requests.unshift(...requests);
        }),
      );
    }
    if (errors.length > 0) {
      writes.push(
        this.logs.appendErrors(errors).catch((error: unknown) => {
          this.warning.warn('writing the error log', error);
          this.errors.unshift(...errors);
        }),
      );
    }
    const done = Promise.all(writes).then(() => undefined);
    this.track(done);
    await done;
    this.bound();
  }

  /** Stops the timers, waits for the writes under way and writes everything still queued. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    await Promise.all(this.inFlight);
    await this.flush();
  }

  private bound(): void {
    if (this.requests.length > MAX_QUEUED_RECORDS) this.requests.splice(0, this.requests.length - MAX_QUEUED_RECORDS);
    if (this.errors.length > MAX_QUEUED_RECORDS) this.errors.splice(0, this.errors.length - MAX_QUEUED_RECORDS);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }
}
