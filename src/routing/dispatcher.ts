import { setTimeout as sleep } from 'node:timers/promises';
import { type Cancellation, CancellationSource } from '../core/cancellation.js';
import { CLIENT_CLOSED_REQUEST, GatewayError, RequestAbortedError } from '../core/errors.js';
import type { Acquisition, KeyPool, PinnedKey } from '../keys/key-pool.js';
import { judgeFailure, type KeyPolicy } from '../keys/outcome.js';
import type { KeyRateLimits } from '../keys/rate-limits.js';
import type { Logger } from '../logging/logger.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import { type FallbackReason, fallbackReason } from './fallback-reason.js';
import type { ModelRoute } from './model-resolver.js';

/**
 * Where a call may go: routes to try in order and, once they could not serve it, what comes next by why (a group's
 * fallbacks). A plain model is one route with nothing after it.
 */
export interface RoutePlan {
  readonly routes: readonly ModelRoute[];
  /** After this long without an answer from the first route, the second is called too; the first answer wins. */
  readonly hedgeAfterMs?: number | undefined;
  /** The routing that made the plan, to be told how its attempts went (a model group's target board). */
  readonly feedback?: RoutingFeedback | undefined;
  fallback?(reason: FallbackReason): RoutePlan | undefined;
}

/** Told of every attempt, so that routing can weigh its targets (calls in flight, latency, failures). */
export interface AttemptObserver {
  started(route: ModelRoute): void;
  /** `failed` is set when the target itself failed (5xx, timeout, connection), not the key or the client. */
  ended(route: ModelRoute, outcome: { ok: boolean; failed: boolean; elapsedMs: number }): void;
  /** A successful attempt's call is over: at once for an answer, at its end for a stream. */
  released(route: ModelRoute): void;
}

/** An observer that also learns the tokens each served call used (for the `least-used` strategy). */
export interface RoutingFeedback extends AttemptObserver {
  used(route: ModelRoute, tokens: number): void;
}

/** Tells the observer when a successful attempt's call is over. */
function release<T>(observer: AttemptObserver | undefined, route: ModelRoute, value: T, holdUntil: ((value: T) => Promise<void>) | undefined): void {
  if (!observer) return;
  if (holdUntil) void holdUntil(value).finally(() => observer.released(route));
  else observer.released(route);
}

/** One failed upstream attempt, for the error log. */
export interface FailedAttempt {
  provider: string;
  /** The model name the upstream was asked for. */
  model: string;
  /** The upstream key's id, `byok:<hash8>` for a caller's own key, undefined for a keyless upstream. */
  keyId: string | undefined;
  status: number;
  code: string | null;
  message: string;
}

/** What a dispatch did: the attempts it made and, for the last one, which route and key it used. */
export interface DispatchRecord {
  /** The route of the last attempt (the one that served the call, when it succeeded); undefined when none started. */
  route: ModelRoute | undefined;
  /** The key of the last attempt (see FailedAttempt.keyId). */
  keyId: string | undefined;
  attempts: number;
  /** Attempts on a target after one of its attempts failed (on another key where there was one). */
  retries: number;
  /** Targets tried after another target failed: the plan's next route, or a fallback's. */
  fallbacks: number;
  /** Whether a hedged plan started its second attempt. */
  hedged: boolean;
  failures: FailedAttempt[];
}

export type Dispatched<T> = ({ ok: true; value: T } | { ok: false; error: unknown }) & DispatchRecord;

/** A dispatch's record while it runs, which becomes its answer once `ok` and the value or error are set. */
type DispatchInProgress<T> = DispatchRecord & { ok: boolean; value: T | undefined; error: unknown };

/** The record as the answer: completed in place, not copied into a new object on every call. */
function answered<T>(record: DispatchInProgress<T>, value: T): Dispatched<T> {
  record.ok = true;
  record.value = value;
  return record as Dispatched<T>;
}

/** One attempt; `cancellation` is the attempt's own when it is hedged (else the call's, which the operation holds). */
export type UpstreamOperation<T> = (route: ModelRoute, apiKey: string | undefined, cancellation?: Cancellation) => Promise<T>;

export interface DispatchOptions<T> {
  observer?: AttemptObserver;
  /** The call's cancellation: a hedged plan gives each of its two attempts one of their own, linked to it. */
  cancellation?: Cancellation;
  /** Lets go of a result that lost a hedge race (closes a stream). */
  discard?: (value: T) => void;
  /** A key the caller brought (BYOK) with its label for logs: used once, on the first target, never recorded. */
  ownKey?: { secret: string; label: string };
  /** For calls that go on after the operation returns (streams): the key stays in use until this settles. */
  holdKeyUntil?: (value: T) => Promise<void>;
  /** The call's logger (it names the call's trace), made when first needed; the dispatcher's own otherwise. */
  logger?: () => Logger;
  /**
   * A key the call must use on this provider's routes (the key a file it names was uploaded with): every attempt
   * there takes it, whatever the rotation; other providers' routes pick from their pools as usual. When the pool
   * no longer has the key, the pool's rotation applies.
   */
  pinnedKey?: PinnedKey | undefined;
  /** The call needs billing (image generation): a provider with a paid key (PAID_KEY) serves it with that key. */
  needsBilling?: boolean | undefined;
}


export interface RetryPolicy extends KeyPolicy {
  /** Attempts per target, the first included. */
  maxAttempts: number;
  /** No new attempt starts after this long since the first. */
  deadlineMs: number;
  /** How long a call may wait for a key under its rate limit. */
  rateLimitMaxWaitMs: number;
  /** When every key is retired, the next recovery check, for Retry-After; undefined when checks are off. */
  nextRecoveryCheck?: () => number | undefined;
}

const backoffMs = (attempt: number): number => Math.min(1000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random());

function failedAttempt(route: ModelRoute, keyId: string | undefined, error: unknown): FailedAttempt {
  const failure = error instanceof GatewayError ? error : undefined;
  return {
    provider: route.target.settings.id,
    model: route.upstreamModel,
    keyId,
    status: failure?.status ?? 500,
    code: failure?.code ?? null,
    message: error instanceof Error ? error.message : String(error),
  };
}

/** Whether an attempt's failure is the target's own (an outage, not a bad key, a rate limit or the client). */
function targetFailed(error: unknown): boolean {
  if (error instanceof RequestAbortedError) return false;
  if (!(error instanceof GatewayError)) return true;
  return error.status >= 500 || error.status === 408;
}

/** How one target's attempts ended: with a value, with an error worth trying elsewhere, or with one that is not. */
type TargetOutcome<T> = { kind: 'value'; value: T; keyId: string | undefined } | { kind: 'failed'; error: unknown; final: boolean };

/**
 * The retry handler: runs an upstream operation with a key from the target's pool, judges a failure (see
 * keys/outcome.ts), records what it says about the key, and tries again on another key while that can help,
 * within `maxAttempts` and the deadline; when a target is exhausted it goes on to the next one. A stream is only
 * ever retried before its first event reaches the client: the operation returns once the stream has started, and
 * later failures are the stream writer's to report. Nothing is written anywhere but into the returned record.
 */
export class Dispatcher {
  constructor(
    /** Each provider's pool (keys/key-pools.ts: the latest, whichever config a call was routed on). */
    private readonly pools: { get(provider: string): KeyPool | undefined },
    private readonly policy: RetryPolicy,
    private readonly logger: Logger,
    private readonly limits?: KeyRateLimits,
  ) {}

  /**
   * Tries the plan's routes in order until one answers, then its fallbacks while the reason for going on has one;
   * never throws, the record says what happened. A client's own mistake ends the call at once.
   */
  async dispatch<T>(plan: RoutePlan, operation: UpstreamOperation<T>, options: DispatchOptions<T> = {}): Promise<Dispatched<T>> {
    const record: DispatchInProgress<T> = { ok: false, value: undefined, error: undefined, route: undefined, keyId: undefined, attempts: 0, retries: 0, fallbacks: 0, hedged: false, failures: [] };
    const deadline = Date.now() + this.policy.deadlineMs;
    let lastError: unknown;
    let current: RoutePlan | undefined = plan;
    // Fallbacks may name each other; a call visits a plan at most once (remembered only once there are fallbacks).
    let visited: Set<RoutePlan> | undefined;
    let targetsTried = 0;
    while (current && !visited?.has(current)) {
      const failuresBefore = record.failures.length;
      let final = false;
      let routes = current.routes;
      if (current.hedgeAfterMs !== undefined && routes.length >= 2 && !options.ownKey && options.cancellation) {
        if (targetsTried > 0) record.fallbacks += 1;
        const { outcome, used } = await this.hedged(routes[0]!, routes[1]!, current.hedgeAfterMs, operation, options, options.cancellation, record, deadline);
        targetsTried += used;
        // A copy: the attempt that lost the race may still write into the record before it sees its cancellation.
        if (outcome.kind === 'value') return answered({ ...record }, outcome.value);
        lastError = outcome.error;
        final = outcome.final;
        routes = final ? [] : routes.slice(used);
      }
      for (const route of routes) {
        if (targetsTried++ > 0) record.fallbacks += 1;
        const outcome = options.ownKey
          ? await this.withOwnKey(route, options.ownKey, operation, record, options.observer, options.holdKeyUntil)
          : await this.withPoolKeys(route, operation, options, record, deadline);
        if (outcome.kind === 'value') return answered(record, outcome.value);
        lastError = outcome.error;
        final = outcome.final || options.ownKey !== undefined;
        if (final || Date.now() >= deadline) break;
      }
      if (lastError instanceof RequestAbortedError || Date.now() >= deadline || !current.fallback) break;
      (visited ??= new Set()).add(current);
      const reason = fallbackReason(lastError, record.failures.slice(failuresBefore).map((failure) => failure.status));
      if (reason === undefined || (final && reason !== 'context_window' && reason !== 'content_policy')) break;
      current = current.fallback(reason);
    }
    // Created only here: an error captures a stack trace, too dear to make on every call just in case.
    record.error = lastError ?? new GatewayError(500, 'No route to try.');
    return record as Dispatched<T>;
  }

  /**
   * The first route, and after `hedgeAfterMs` without its answer the second one too, each with a cancellation of
   * its own: the first answer wins, the other attempt is cancelled (or its late answer let go) and is recorded as a
   * failed attempt (`hedge_lost`), so the error log shows what it cost.
   */
  private async hedged<T>(
    first: ModelRoute,
    second: ModelRoute,
    hedgeAfterMs: number,
    operation: UpstreamOperation<T>,
    options: DispatchOptions<T>,
    parent: Cancellation,
    record: DispatchRecord,
    deadline: number,
  ): Promise<{ outcome: TargetOutcome<T>; used: number }> {
    const attempt = (route: ModelRoute) => {
      const link = CancellationSource.linkedTo(parent);
      const outcome = this.withPoolKeys(route, (target, apiKey) => operation(target, apiKey, link.source), options, record, deadline);
      void outcome.finally(link.unlink);
      return { route, link, outcome };
    };
    const leader = attempt(first);
    let timer: NodeJS.Timeout | undefined;
    const hedgeDue = new Promise<'hedge'>((resolve) => (timer = setTimeout(() => resolve('hedge'), hedgeAfterMs)));
    const early = await Promise.race([leader.outcome, hedgeDue]);
    if (early !== 'hedge') {
      clearTimeout(timer);
      if (early.kind === 'value') this.served(record, leader.route, early.keyId);
      return { outcome: early, used: 1 };
    }
    record.hedged = true;
    const racers = [leader, attempt(second)];
    const decided = await new Promise<{ outcome: TargetOutcome<T>; winner: (typeof racers)[number] | undefined }>((resolve) => {
      let failed = 0;
      for (const racer of racers) {
        void racer.outcome.then((outcome) => {
          if (outcome.kind === 'value') resolve({ outcome, winner: racer });
          else if (++failed === racers.length) resolve({ outcome, winner: undefined });
        });
      }
    });
    const { outcome, winner } = decided;
    if (!winner || outcome.kind !== 'value') return { outcome, used: 2 };
    this.served(record, winner.route, outcome.keyId);
    const loser = racers.find((racer) => racer !== winner)!;
    loser.link.source.cancel();
    record.failures.push(failedAttempt(loser.route, undefined, new GatewayError(CLIENT_CLOSED_REQUEST, 'Another target answered first; this hedged attempt was cancelled.', { code: 'hedge_lost' })));
    // An answer that arrives anyway is let go.
    void loser.outcome.then((late) => {
      if (late.kind === 'value') options.discard?.(late.value);
    });
    return { outcome, used: 2 };
  }

  /** Points the record at the attempt that served the call (a hedge's other attempt may have started later). */
  private served(record: DispatchRecord, route: ModelRoute, keyId: string | undefined): void {
    record.route = route;
    record.keyId = keyId;
  }

  /**
   * A served stream that the upstream broke off after its first byte (it died, stalled or was cut short): too late
   * to retry, but a transient failure of its key all the same, and a failed attempt in the error log.
   */
  async brokeOff(record: DispatchRecord, failure: { status: number; message: string; code: string | null }): Promise<void> {
    const route = record.route;
    if (!route) return;
    record.failures.push({ provider: route.target.settings.id, model: route.upstreamModel, keyId: record.keyId, ...failure });
    if (record.keyId === undefined || record.keyId.startsWith('byok:')) return;
    const outcome = { kind: 'transient', status: failure.status, error: failure.message.slice(0, 300), maxFailures: this.policy.maxFailures, restMs: this.policy.transientRestMs } as const;
    await this.pools
      .get(route.target.settings.id)
      ?.record(record.keyId, outcome)
      .catch((error: unknown) => this.logRecordFailure(error));
  }

  /** Counts the tokens a served call used on its key (for per-key `tpm` limits). */
  used(record: DispatchRecord, tokens: number): void {
    if (record.route && record.keyId !== undefined && !record.keyId.startsWith('byok:')) this.limits?.used(record.route.target.settings.id, record.keyId, tokens);
  }

  /** One target's upstream operation, for callers that are not a client's call (model lists): the value or a throw. */
  async run<T>(target: ConfiguredProvider, operation: (apiKey: string | undefined) => Promise<T>): Promise<T> {
    return (await this.runKeyed(target, operation)).value;
  }

  /**
   * As `run`, and says which pool key served (for resources that live under one key, such as uploaded files). With
   * `pinnedKeyId`, every attempt uses that key (see DispatchOptions.pinnedKey).
   */
  async runKeyed<T>(target: ConfiguredProvider, operation: (apiKey: string | undefined) => Promise<T>, pinnedKeyId?: string): Promise<{ value: T; keyId: string | undefined }> {
    const pinnedKey = pinnedKeyId === undefined ? undefined : { provider: target.settings.id, keyId: pinnedKeyId };
    const dispatched = await this.dispatch({ routes: [{ target, upstreamModel: '' }] }, (_route, apiKey) => operation(apiKey), { pinnedKey });
    if (dispatched.ok) return { value: dispatched.value, keyId: dispatched.keyId };
    throw dispatched.error;
  }

  private async withPoolKeys<T>(route: ModelRoute, operation: UpstreamOperation<T>, options: DispatchOptions<T>, record: DispatchRecord, deadline: number): Promise<TargetOutcome<T>> {
    const providerId = route.target.settings.id;
    const pool = this.pools.get(providerId);
    if (!pool) return { kind: 'failed', error: new GatewayError(500, `No key pool for provider ${providerId}.`), final: false };
    // A provider whose limits are per model rests a rate-limited key for this model only.
    const limitedModel = route.target.settings.cooldownPerModel ? route.upstreamModel : '';
    const tried: string[] = [];
    let lastError: unknown;
    const pinned = (options.pinnedKey?.provider === providerId ? await pool.pinned(options.pinnedKey.keyId) : undefined) ?? (options.needsBilling ? pool.paidKey() : undefined);
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      let acquisition: Acquisition | Promise<Acquisition> = pinned ? { kind: 'leased', lease: pinned } : pool.acquire(tried, limitedModel);
      if (acquisition instanceof Promise) acquisition = await acquisition;
      if (acquisition.kind === 'busy') return { kind: 'failed', error: lastError ?? this.busy(providerId), final: false };
      if (acquisition.kind === 'unavailable') return { kind: 'failed', error: lastError ?? this.unavailable(providerId, acquisition), final: false };
      const { lease } = acquisition;
      record.route = route;
      record.keyId = lease.id;
      record.attempts += 1;
      if (attempt > 1) record.retries += 1;
      const started = Date.now();
      options.observer?.started(route);
      try {
        const value =
          this.limits?.applies(providerId) && lease.id !== undefined
            ? await this.limits.run(providerId, lease.id, () => operation(route, lease.secret), this.policy.rateLimitMaxWaitMs, options.holdKeyUntil)
            : await operation(route, lease.secret);
        options.observer?.ended(route, { ok: true, failed: false, elapsedMs: Date.now() - started });
        release(options.observer, route, value, options.holdKeyUntil);
        if (lease.id !== undefined && lease.failures > 0) {
          pool.record(lease.id, { kind: 'success' }).catch((error: unknown) => this.logRecordFailure(error, options.logger?.()));
        }
        return { kind: 'value', value, keyId: lease.id };
      } catch (error) {
        options.observer?.ended(route, { ok: false, failed: targetFailed(error), elapsedMs: Date.now() - started });
        // A client that leaves says nothing about the upstream or its key, and ends the call.
        if (error instanceof RequestAbortedError) return { kind: 'failed', error, final: true };
        record.failures.push(failedAttempt(route, lease.id, error));
        const verdict = judgeFailure(error, this.policy, Date.now());
        if (verdict.outcome && lease.id !== undefined) await pool.record(lease.id, verdict.outcome, limitedModel).catch((failure: unknown) => this.logRecordFailure(failure, options.logger?.()));
        // A keyless upstream that refuses the call will refuse it again.
        if (!verdict.retry || (lease.id === undefined && verdict.outcome?.kind === 'rejected')) return { kind: 'failed', error, final: !verdict.retry };
        lastError = error;
        if (lease.id !== undefined) tried.push(lease.id);
        const pause = backoffMs(attempt);
        if (attempt === this.policy.maxAttempts || Date.now() + pause > deadline) break;
        await sleep(pause);
      }
    }
    return { kind: 'failed', error: lastError, final: false };
  }

  /** A key the caller brought (BYOK): no pool, no retry on another key, nothing recorded about the key. */
  private async withOwnKey<T>(
    route: ModelRoute,
    ownKey: { secret: string; label: string },
    operation: UpstreamOperation<T>,
    record: DispatchRecord,
    observer: AttemptObserver | undefined,
    holdUntil: ((value: T) => Promise<void>) | undefined,
  ): Promise<TargetOutcome<T>> {
    record.route = route;
    record.keyId = ownKey.label;
    record.attempts += 1;
    const started = Date.now();
    observer?.started(route);
    try {
      const value = await operation(route, ownKey.secret);
      observer?.ended(route, { ok: true, failed: false, elapsedMs: Date.now() - started });
      release(observer, route, value, holdUntil);
      return { kind: 'value', value, keyId: ownKey.label };
    } catch (error) {
      observer?.ended(route, { ok: false, failed: targetFailed(error), elapsedMs: Date.now() - started });
      if (!(error instanceof RequestAbortedError)) record.failures.push(failedAttempt(route, ownKey.label, error));
      return { kind: 'failed', error, final: true };
    }
  }

  private unavailable(providerId: string, state: { total: number; invalid: number; cooling: number; soonestCoolingEnd: number | null }): GatewayError {
    if (state.total === 0) {
      return new GatewayError(503, `Provider ${providerId} has no upstream keys.`, { code: 'no_upstream_keys' });
    }
    const now = Date.now();
    const retryAt = state.soonestCoolingEnd ?? this.policy.nextRecoveryCheck?.();
    const parts = [state.invalid > 0 ? `${state.invalid} invalid` : '', state.cooling > 0 ? `${state.cooling} cooling down` : ''].filter(Boolean);
    const when = state.soonestCoolingEnd === null ? '' : ` The first is usable again at ${new Date(state.soonestCoolingEnd).toISOString()}.`;
    return new GatewayError(503, `All ${state.total} upstream keys of provider ${providerId} are unavailable (${parts.join(', ')}).${when}`, {
      code: 'upstream_keys_unavailable',
      headers: retryAt === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil((retryAt - now) / 1000))) },
    });
  }

  private busy(providerId: string): GatewayError {
    return new GatewayError(429, `Every upstream key of provider ${providerId} is at its rate limit; try again shortly.`, {
      type: 'rate_limit_error',
      code: 'upstream_keys_at_limit',
      headers: { 'Retry-After': '1' },
    });
  }

  private logRecordFailure(error: unknown, logger = this.logger): void {
    logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not record a key outcome');
  }
}
