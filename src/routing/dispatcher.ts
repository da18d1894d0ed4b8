import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, RequestAbortedError } from '../core/errors.js';
import type { KeyPool } from '../keys/key-pool.js';
import { judgeFailure, type KeyPolicy } from '../keys/outcome.js';
import type { KeyRateLimits } from '../keys/rate-limits.js';
import type { Logger } from '../logging/logger.js';
import type { ConfiguredProvider } from '../providers/registry.js';

/** One failed upstream attempt, for the error log. */
export interface FailedAttempt {
  provider: string;
  /** The upstream key's id, `byok:<hash8>` for a caller's own key, undefined for a keyless upstream. */
  keyId: string | undefined;
  status: number;
  code: string | null;
  message: string;
}

/** Where the dispatcher notes what it did, for the access log, metering and the error log. */
export interface DispatchTrace {
  /** The first 8 hex digits of the upstream key's id, for the access log. */
  upstreamKey?: string;
  /** The upstream key's id. */
  upstreamKeyId?: string;
  attempts?: number;
  failedAttempts?: FailedAttempt[];
}

function noteFailure(trace: DispatchTrace | undefined, provider: string, keyId: string | undefined, error: unknown): void {
  // A client that leaves says nothing about the upstream or its key.
  if (!trace || error instanceof RequestAbortedError) return;
  const failure = error instanceof GatewayError ? error : undefined;
  (trace.failedAttempts ??= []).push({
    provider,
    keyId,
    status: failure?.status ?? 500,
    code: failure?.code ?? null,
    message: error instanceof Error ? error.message : String(error),
  });
}

export interface DispatchOptions<T> {
  trace?: DispatchTrace;
  /** For calls that go on after the operation returns (streams): the key stays in use until this settles. */
  holdKeyUntil?: (value: T) => Promise<void>;
}

export interface RetryPolicy extends KeyPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** No new attempt starts after this long since the first. */
  deadlineMs: number;
  /** How long a call may wait for a key under its rate limit. */
  rateLimitMaxWaitMs: number;
  /** When every key is retired, the next recovery check, for Retry-After; undefined when checks are off. */
  nextRecoveryCheck?: () => number | undefined;
}

const backoffMs = (attempt: number): number => Math.min(1000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random());

/**
 * The retry handler: runs an upstream operation with a key from the provider's pool, judges a failure (see
 * keys/outcome.ts), records what it says about the key, and tries again on another key while that can help,
 * within `maxAttempts` and the deadline. A stream is only ever retried before its first event reaches the client:
 * the operation returns once the stream has started, and later failures are the stream writer's to report.
 */
export class Dispatcher {
  constructor(
    private readonly pools: ReadonlyMap<string, KeyPool>,
    private readonly policy: RetryPolicy,
    private readonly logger: Logger,
    private readonly limits?: KeyRateLimits,
  ) {}

  async run<T>(target: ConfiguredProvider, operation: (apiKey: string | undefined) => Promise<T>, options: DispatchOptions<T> = {}): Promise<T> {
    const providerId = target.settings.id;
    const pool = this.pools.get(providerId);
    if (!pool) throw new GatewayError(500, `No key pool for provider ${providerId}.`);
    const deadline = Date.now() + this.policy.deadlineMs;
    const tried: string[] = [];
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      const acquisition = await pool.acquire(tried);
      if (acquisition.kind === 'busy') throw lastError ?? this.busy(providerId);
      if (acquisition.kind === 'unavailable') throw lastError ?? this.unavailable(providerId, acquisition);
      const { lease } = acquisition;
      if (options.trace) {
        options.trace.upstreamKey = lease.id?.slice(0, 8);
        options.trace.upstreamKeyId = lease.id;
        options.trace.attempts = attempt;
      }
      try {
        const value =
          this.limits?.applies(providerId) && lease.id !== undefined
            ? await this.limits.run(providerId, lease.id, () => operation(lease.secret), this.policy.rateLimitMaxWaitMs, options.holdKeyUntil)
            : await operation(lease.secret);
        if (lease.id !== undefined && lease.failures > 0) {
          pool.record(lease.id, { kind: 'success' }).catch((error: unknown) => this.logRecordFailure(error));
        }
        return value;
      } catch (error) {
        noteFailure(options.trace, providerId, lease.id, error);
        const verdict = judgeFailure(error, this.policy, Date.now());
        if (verdict.outcome && lease.id !== undefined) await pool.record(lease.id, verdict.outcome).catch((failure: unknown) => this.logRecordFailure(failure));
        // A keyless upstream that refuses the call will refuse it again.
        if (!verdict.retry || (lease.id === undefined && verdict.outcome?.kind === 'rejected')) throw error;
        lastError = error;
        if (lease.id !== undefined) tried.push(lease.id);
        const pause = backoffMs(attempt);
        if (attempt === this.policy.maxAttempts || Date.now() + pause > deadline) break;
        await sleep(pause);
      }
    }
    throw lastError;
  }

  /**
   * One call with a key the caller brought (BYOK): no pool, no retry on another key, nothing recorded about the
   * key, which the gateway never keeps; `keyLabel` names it in the trace.
   */
  async runWithOwnKey<T>(target: ConfiguredProvider, apiKey: string, keyLabel: string, operation: (apiKey: string) => Promise<T>, options: DispatchOptions<T> = {}): Promise<T> {
    if (options.trace) {
      options.trace.upstreamKey = keyLabel;
      options.trace.upstreamKeyId = keyLabel;
      options.trace.attempts = 1;
    }
    try {
      return await operation(apiKey);
    } catch (error) {
      noteFailure(options.trace, target.settings.id, keyLabel, error);
      throw error;
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

  private logRecordFailure(error: unknown): void {
    this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not record a key outcome');
  }
}
