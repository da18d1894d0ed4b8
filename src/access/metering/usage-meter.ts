import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../logging/logger.js';
import type { LogStore, RequestRecord, UpstreamErrorRecord } from '../../logging/log-store.js';
import type { FailedAttempt } from '../../routing/dispatcher.js';
import type { Caller } from '../identity/caller.js';
import { LIMIT_API_NAMES } from '../client-keys/client-key-service.js';
import type { AdmissionResult, LimitName, LimitStore } from '../limits/limit-store.js';
import { addInto, type StatsIncrements, type StatsStore } from '../stats/stats-store.js';
import type { Period, WindowClock } from '../limits/time-windows.js';
import { NO_USAGE, type TokenUsage } from './token-usage.js';

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
}

/** Records queued beyond this (the store unreachable for long) are dropped, oldest first, to bound memory. */
const MAX_QUEUED_RECORDS = 20_000;
const PRUNE_INTERVAL_MS = 3_600_000;

const LIMIT_WORDS: Record<LimitName, string> = {
  maxConcurrent: 'concurrent requests',
  requestsPerMinute: 'requests per minute',
  tokensPerMinute: 'tokens per minute',
  requestsPerDay: 'requests per day',
  tokensPerDay: 'tokens per day',
  requestsPerMonth: 'requests per month',
  tokensPerMonth: 'tokens per month',
  requestsTotal: 'total requests',
  tokensTotal: 'total tokens',
};

/** Per caller id, model, provider and upstream key (`provider/id`, or '' for none): the calls' metrics. */
type CallGroups = Map<string, Map<string, Map<string, Map<string, number[]>>>>;

/** One minute's calls, grouped by what they had in common, and upstream keys' failed answers (`u|openai/<id>|s429`). */
interface MinuteTotals {
  calls: CallGroups;
  statuses: Map<string, number>;
}

/** requests, errors, prompt, completion and total tokens, in the order the metrics arrays hold them. */
const METRICS = ['req', 'err', 'pt', 'ct', 'tt'];

function child<V>(parent: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let map = parent.get(key);
  if (!map) parent.set(key, (map = new Map()));
  return map;
}

/** A call's metrics array in its group; grouping keeps the per-call work to four lookups of strings it has. */
function groupTotals(calls: CallGroups, callerId: string, model: string, provider: string, upstreamKey: string): number[] {
  const byKey = child(child(child(calls, callerId), model), provider);
  let totals = byKey.get(upstreamKey);
  if (!totals) byKey.set(upstreamKey, (totals = [0, 0, 0, 0, 0]));
  return totals;
}

/** The statistics dimensions of a minute's calls (`c|<client>`, `m|<model>`, `p|<provider>`, `cm|…`, `u|…`) with their metrics. */
function dimensionTotals(calls: CallGroups): Map<string, number[]> {
  const dimensions = new Map<string, number[]>();
  const add = (dimension: string, values: readonly number[]) => {
    const totals = dimensions.get(dimension);
    if (totals) values.forEach((value, index) => (totals[index]! += value));
    else dimensions.set(dimension, [...values]);
  };
  for (const [callerId, byModel] of calls) {
    for (const [model, byProvider] of byModel) {
      for (const [provider, byKey] of byProvider) {
        for (const [upstreamKey, values] of byKey) {
          add(`c|${callerId}`, values);
          add(`m|${model}`, values);
          add(`p|${provider}`, values);
          add(`cm|${callerId}|${model}`, values);
          if (upstreamKey !== '') add(`u|${upstreamKey}`, values);
        }
      }
    }
  }
  return dimensions;
}

/**
 * The statistics store's increments for minutes of calls: each minute's counts go to its minute, hour, day and
 * month windows, whose ids are the minute id's prefixes (`202611221430` → `2026112214`, `20261122`, `202611`).
 */
function statsIncrements(pending: Map<string, MinuteTotals>): StatsIncrements {
  const increments: StatsIncrements = new Map();
  for (const [minute, totals] of pending) {
    const dimensions = dimensionTotals(totals.calls);
    const windows: [Period, string][] = [
      ['minute', minute],
      ['hour', minute.slice(0, 10)],
      ['day', minute.slice(0, 8)],
      ['month', minute.slice(0, 6)],
    ];
    for (const [period, id] of windows) {
      let fields = increments.get(`${period}:${id}`);
      if (!fields) increments.set(`${period}:${id}`, (fields = new Map()));
      for (const [dimension, values] of dimensions) values.forEach((value, index) => addInto(fields, `${dimension}|${METRICS[index]}`, value));
      for (const [field, count] of totals.statuses) addInto(fields, field, count);
    }
  }
  return increments;
}

function mergeIncrements(into: StatsIncrements, from: StatsIncrements): StatsIncrements {
  for (const [window, fields] of from) {
    let target = into.get(window);
    if (!target) into.set(window, (target = new Map()));
    for (const [field, amount] of fields) addInto(target, field, amount);
  }
  return into;
}

const BUDGETS = new Set<LimitName>(['requestsPerDay', 'tokensPerDay', 'requestsPerMonth', 'tokensPerMonth', 'requestsTotal', 'tokensTotal']);

/** The 429 for a request over one of its key's limits, naming the limit. */
export function limitExceeded(refusal: Extract<AdmissionResult, { admitted: false }>): GatewayError {
  const what = `${LIMIT_WORDS[refusal.limit]} (${LIMIT_API_NAMES[refusal.limit]})`;
  const retry = refusal.retryAfterSeconds;
  const budget = BUDGETS.has(refusal.limit);
  const message = budget
    ? `Budget exhausted for this API key on ${what}: limit ${refusal.allowed}, used ${refusal.used}. ${
        retry === undefined ? 'It does not renew; ask the operator of this gateway to raise it.' : `It renews in ${retry}s.`
      }`
    : `Rate limit reached for this API key on ${what}: limit ${refusal.allowed}, ${refusal.limit === 'maxConcurrent' ? 'in flight' : 'used'} ${refusal.used}. Please try again in ${retry ?? 1}s.`;
  return new GatewayError(429, message, {
    type: budget ? 'insufficient_quota' : 'rate_limit_error',
    code: budget ? 'insufficient_quota' : 'rate_limit_exceeded',
    headers: retry === undefined ? {} : { 'Retry-After': String(retry) },
  });
}

/**
 * Usage metering: admits calls against their client key's limits and budgets, and when a call ends settles its
 * tokens, adds it to the statistics and appends it (and every failed upstream attempt) to the logs. Settling is
 * immediate, so the next request already sees the tokens; statistics and log records are written in batches once
 * a second, away from the request path.
 */
export class UsageMeter {
  private readonly limits: LimitStore;
  private readonly stats: StatsStore;
  private readonly logs: LogStore;
  private readonly clock: WindowClock;
  private readonly logger: Logger;
  private readonly staleAfterMs: number;
  /** Calls since the last flush, per minute window; spread over the hour, day and month windows when written. */
  private pending = new Map<string, MinuteTotals>();
  /** Statistics a failed write left behind, retried with the next flush. */
  private unwritten: StatsIncrements = new Map();
  private requests: RequestRecord[] = [];
  private errors: UpstreamErrorRecord[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;
  private lastStoreWarning = 0;

  constructor(options: UsageMeterOptions) {
    this.limits = options.limits;
    this.stats = options.stats;
    this.logs = options.logs;
    this.clock = options.clock;
    this.logger = options.logger;
    this.staleAfterMs = options.staleAfterMs;
    this.flushTimer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000).unref();
    this.pruneTimer = setInterval(() => this.track(this.logs.prune(Date.now()).catch((error: unknown) => this.warn('pruning the logs', error))), PRUNE_INTERVAL_MS).unref();
  }

  /**
   * Lets a client key's call through its limits or throws the 429 naming the limit. Other callers are unlimited
   * (ALLOWED_TOKENS, the admin token, BYOK callers) and are not counted here.
   * If the counters cannot be reached the call is let through (and a warning logged): an outage of the store must
   * not take the gateway down.
   */
  async admit(call: MeteredCall): Promise<void> {
    if (call.caller.kind !== 'client') return;
    // Keys without limits are counted too: their usage shows per key, and a budget added later starts from it.
    const { key } = call.caller;
    // Not the request id: a client may send the same X-Request-Id on concurrent calls.
    const ticket = randomUUID();
    let result: AdmissionResult;
    try {
      result = await this.limits.admit(key.id, key.limits, ticket, this.clock.windows(), this.staleAfterMs);
    } catch (error) {
      this.warn('checking a client key’s limits (the call was let through)', error);
      return;
    }
    if (!result.admitted) throw limitExceeded(result);
    call.ticket = ticket;
  }

  /** Records a finished call: settles its tokens, counts it, logs it. Never throws. */
  finish(call: MeteredCall, outcome: CallOutcome): void {
    const now = Date.now();
    const usage = call.usage ?? call.estimate?.() ?? NO_USAGE;
    const windows = this.clock.windows(now);
    if (call.ticket !== undefined) {
      this.track(
        this.limits.settle(call.caller.id, call.ticket, usage.total, windows).catch((error: unknown) => this.warn('settling a call’s tokens', error)),
      );
    }
    const upstreamKey = outcome.upstreamKey === undefined || call.provider === null ? null : `${call.provider}/${outcome.upstreamKey}`;
    const minute = this.minuteTotals(windows.minute);
    const totals = groupTotals(minute.calls, call.caller.id, call.model ?? '-', call.provider ?? '-', upstreamKey ?? '');
    totals[0]! += 1;
    totals[1]! += outcome.status >= 400 ? 1 : 0;
    totals[2]! += usage.prompt;
    totals[3]! += usage.completion;
    totals[4]! += usage.total;
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
      estimated: usage.estimated,
      attempts: outcome.attempts,
      error: outcome.error,
    };
    if (call.requestExcerpt !== undefined) record.requestExcerpt = call.requestExcerpt;
    if (call.responseExcerpt !== undefined) record.responseExcerpt = call.responseExcerpt;
    this.requests.push(record);
    for (const failure of outcome.failures) {
      this.errors.push({
        time: now,
        requestId: call.requestId,
        clientName: call.caller.name,
        provider: failure.provider,
        model: call.model,
        upstreamKey: failure.keyId ?? null,
        status: failure.status,
        code: failure.code,
        message: failure.message,
      });
    }
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
          this.warn('writing usage statistics', error);
          this.unwritten = mergeIncrements(this.unwritten, increments);
        }),
      );
    }
    if (requests.length > 0) {
      writes.push(
        this.logs.appendRequests(requests).catch((error: unknown) => {
          this.warn('writing the request log', error);
          this.requests.unshift(...requests);
        }),
      );
    }
    if (errors.length > 0) {
      writes.push(
        this.logs.appendErrors(errors).catch((error: unknown) => {
          this.warn('writing the error log', error);
          this.errors.unshift(...errors);
        }),
      );
    }
    const done = Promise.all(writes).then(() => undefined);
    this.track(done);
    await done;
    this.bound();
  }

  /** Stops the timers and writes everything still queued. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    await Promise.all(this.inFlight);
    await this.flush();
  }

  private minuteTotals(minute: string): MinuteTotals {
    let totals = this.pending.get(minute);
    if (!totals) this.pending.set(minute, (totals = { calls: new Map(), statuses: new Map() }));
    return totals;
  }

  private bound(): void {
    if (this.requests.length > MAX_QUEUED_RECORDS) this.requests.splice(0, this.requests.length - MAX_QUEUED_RECORDS);
    if (this.errors.length > MAX_QUEUED_RECORDS) this.errors.splice(0, this.errors.length - MAX_QUEUED_RECORDS);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** One warning every ten seconds at most, so an outage does not flood the log. */
  private warn(what: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastStoreWarning < 10_000) return;
    this.lastStoreWarning = now;
    this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, `usage store failed while ${what}`);
  }
}
