import type { Logger } from '../../logging/logger.js';
import type { LogStore, RequestRecord, UpstreamErrorRecord } from '../../logging/log-store.js';
import type { FailedAttempt } from '../../routing/dispatcher.js';
import type { Caller } from '../identity/caller.js';
import type { LimitStore } from '../limits/limit-store.js';
import { addInto, type StatsStore } from '../stats/stats-store.js';
import type { WindowClock } from '../limits/time-windows.js';
import { Admission, type LimitRefusalObserver } from './admission.js';
import { StoreWarning } from './store-warning.js';
import { NO_USAGE, type TokenUsage } from './token-usage.js';
import { countCall, groupTotals } from './usage-rollup.js';
import { UsageWriter } from './usage-writer.js';

export { limitExceeded } from './admission.js';

/** What the meter knows about a call while it runs; the route fills in usage as the answer comes. */
export interface MeteredCall {
  caller: Caller;
  requestId: string;
  endpoint: RequestRecord['endpoint'];
  model: string | null;
  provider: string | null;
  stream: boolean;
  startedAt: number;
  /** Set when the call was admitted against the caller's limits; settled when it ends. */
  ticket?: string;
  /** The usage the upstream reported. */
  usage?: TokenUsage;
  /**
   * The gateway's estimate, asked for only when the upstream reported none; set once the upstream answered (a
   * stream that breaks off mid-way still used the tokens it streamed).
   */
  estimate?: () => TokenUsage;
  requestExcerpt?: string;
  responseExcerpt?: string;
  /** The nano-dollars the call may cost, asked at admission only of a key with a dollar budget (may throw). */
  reservation?: () => number;
  /** What the call cost in nano-dollars; null when its model has no price (unknown, not free). */
  cost?: number | null;
}

export interface CallOutcome {
  status: number;
  error: string | null;
  upstreamKey: string | undefined;
  attempts: number;
  failures: readonly FailedAttempt[];
}

export interface UsageMeterOptions {
  limits: LimitStore;
  stats: StatsStore;
  logs: LogStore;
  clock: WindowClock;
  logger: Logger;
  /** How long an admitted call may hold a concurrency slot if its instance dies before settling it. */
  staleAfterMs: number;
  flushIntervalMs?: number;
  /** Told of each call a limit refused. */
  refusals?: LimitRefusalObserver;
}

const NO_ERRORS: readonly UpstreamErrorRecord[] = [];

/**
 * Usage metering: admits calls against their client key's limits and budgets (admission.ts), and when a call ends
 * settles its tokens, counts it into its minute's statistics (usage-rollup.ts) and queues it (and every failed
 * upstream attempt) for the logs. Settling is immediate, so the next request already sees the tokens; statistics
 * and log records are written in batches once a second, away from the request path (usage-writer.ts).
 */
export class UsageMeter {
  private readonly clock: WindowClock;
  private readonly admission: Admission;
  private readonly writer: UsageWriter;

  constructor(options: UsageMeterOptions) {
    const warning = new StoreWarning(options.logger);
    this.clock = options.clock;
    this.admission = new Admission({ limits: options.limits, clock: options.clock, staleAfterMs: options.staleAfterMs, warning, refusals: options.refusals });
    this.writer = new UsageWriter({ stats: options.stats, logs: options.logs, warning, flushIntervalMs: options.flushIntervalMs });
  }

  /**
   * Lets a client key's call through its limits or throws the 429 naming the limit. Other callers are unlimited
   * and not counted; if the counters cannot be reached the call is let through.
   */
  async admit(call: MeteredCall): Promise<void> {
    const ticket = await this.admission.admit(call.caller, call.reservation ?? (() => 0));
    if (ticket !== undefined) call.ticket = ticket;
  }

  /** Records a finished call: settles its tokens, counts it, logs it. Never throws. */
  finish(call: MeteredCall, outcome: CallOutcome): void {
    const now = Date.now();
    const usage = call.usage ?? call.estimate?.() ?? NO_USAGE;
    const windows = this.clock.windows(now);
    const cost = call.cost === undefined ? 0 : call.cost;
    if (call.ticket !== undefined) this.admission.settle(call.caller.id, call.ticket, usage.total, windows, cost ?? 0);
    const upstreamKey = outcome.upstreamKey === undefined || call.provider === null ? null : `${call.provider}/${outcome.upstreamKey}`;
    const minute = this.writer.minute(windows.minute);
    countCall(groupTotals(minute.calls, call.caller.id, call.model ?? '-', call.provider ?? '-', upstreamKey ?? ''), outcome.status >= 400, usage, cost ?? undefined, now - call.startedAt);
    for (const failure of outcome.failures) {
      if (failure.keyId !== undefined) addInto(minute.statuses, `u|${failure.provider}/${failure.keyId}|s${failure.status}`, 1);
    }
    const record: RequestRecord = {
      time: call.startedAt,
      requestId: call.requestId,
      clientId: call.caller.id,
      clientName: call.caller.name,
      clientHint: call.caller.hint,
      model: call.model,
      provider: call.provider,
      upstreamKey,
      endpoint: call.endpoint,
      stream: call.stream,
      status: outcome.status,
      latencyMs: now - call.startedAt,
      promptTokens: usage.prompt,
      completionTokens: usage.completion,
      totalTokens: usage.total,
      reasoningTokens: usage.reasoning,
      cachedTokens: usage.cached,
      cacheWriteTokens: usage.cacheWrite,
      cacheWriteLongTokens: usage.cacheWriteLong,
      searches: usage.searches,
      estimated: usage.estimated,
      costNano: cost,
      attempts: outcome.attempts,
      error: outcome.error,
    };
    if (usage.media) Object.assign(record, { images: usage.media.images, imageSize: usage.media.imageSize, audioSeconds: usage.media.audioSeconds, characters: usage.media.characters });
    if (call.requestExcerpt !== undefined) record.requestExcerpt = call.requestExcerpt;
    if (call.responseExcerpt !== undefined) record.responseExcerpt = call.responseExcerpt;
    const errors =
      outcome.failures.length === 0
        ? NO_ERRORS
        : outcome.failures.map(
            (failure): UpstreamErrorRecord => ({
              time: now,
              requestId: call.requestId,
              clientName: call.caller.name,
              provider: failure.provider,
              model: call.model,
              upstreamKey: failure.keyId ?? null,
              status: failure.status,
              code: failure.code,
              message: failure.message,
            }),
          );
    this.writer.queue(record, errors);
  }

  /** Writes what is queued; what fails to write is kept for the next flush. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  /** Stops the timers and writes everything still queued, once the calls' tokens are settled. */
  async close(): Promise<void> {
    await Promise.all([this.admission.settled(), this.writer.close()]);
  }
}
