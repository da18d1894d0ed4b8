import type { UsageMeter } from '../access/metering/usage-meter.js';
import type { TokenUsage } from '../core/usage.js';
import type { AdmittedCall, BrokenOff, CallOutcome } from './call.js';

/** Told of every call when it starts and once it has finished (the metrics): updates counters, nothing more. */
export interface CallObserver {
  callStarted(): void;
  /** `upstream`: the upstream that served the call (or would have); `usage`: reported, else estimated, if any. */
  callFinished(call: AdmittedCall, outcome: CallOutcome, upstream: string, usage: TokenUsage | undefined): void;
}

/** What the access-log line says of a call. */
export interface CallLogFields {
  /** The caller's id (a client key's id or a short token hash, never a secret). */
  client: string;
  model: string;
  provider: string | undefined;
  /** The first 8 hex digits of the upstream key's id (or a BYOK label). */
  upstreamKey: string | undefined;
  attempts: number | undefined;
  stream: BrokenOff | undefined;
  error: CallOutcome['error'];
}

/**
 * The end of every inference call: builds its metering record from the call and its outcome (the meter settles
 * its tokens, counts it and logs it), tells the observer, and says what its access-log line carries.
 */
export function finishCall(meter: UsageMeter, call: AdmittedCall, outcome: CallOutcome, observer?: CallObserver): CallLogFields {
  const dispatch = outcome.dispatch;
  const provider = (dispatch?.route ?? call.plan.routes[0]!).target.settings.id;
  // Estimated at most once, for both readers.
  const usage = outcome.usage ?? outcome.estimate?.();
  meter.finish(
    {
      caller: call.caller,
      requestId: call.requestId,
      endpoint: call.endpoint,
      model: call.model,
      provider,
      stream: call.stream,
      startedAt: call.startedAt,
      ticket: call.ticket,
      usage,
      estimate: undefined,
      requestExcerpt: outcome.requestExcerpt,
      responseExcerpt: outcome.responseExcerpt,
      cost: outcome.cost,
    },
    {
      status: outcome.status,
      error: outcome.error?.message ?? null,
      upstreamKey: dispatch?.keyId,
      attempts: dispatch?.attempts ?? 0,
      failures: dispatch?.failures ?? [],
    },
  );
  observer?.callFinished(call, outcome, provider, usage);
  return {
    client: call.caller.id,
    model: call.model,
    provider,
    upstreamKey: dispatch?.keyId?.slice(0, 8),
    attempts: dispatch?.attempts,
    stream: outcome.brokenOff,
    error: outcome.error,
  };
}
