import type { UsageMeter } from '../access/metering/usage-meter.js';
import type { AdmittedCall, BrokenOff, CallOutcome } from './call.js';

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
 * its tokens, counts it and logs it) and says what its access-log line carries.
 */
export function finishCall(meter: UsageMeter, call: AdmittedCall, outcome: CallOutcome): CallLogFields {
  const dispatch = outcome.dispatch;
  const provider = (dispatch?.route ?? call.plan.routes[0]!).target.settings.id;
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
      usage: outcome.usage,
      estimate: outcome.estimate,
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
