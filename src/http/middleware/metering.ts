import type { UsageMeter } from '../../access/metering/usage-meter.js';
import { CLIENT_CLOSED_REQUEST, GatewayError, RequestAbortedError } from '../../core/errors.js';
import type { GatewayContext, GatewayMiddleware } from '../context.js';

/**
 * Hands every metered call to the meter once its response is over (a stream's end included), with the status it
 * really ended in: a stream that broke off counts as the upstream's error, one the client left as 499.
 */
export function meterCalls(meter: UsageMeter): GatewayMiddleware {
  return async (ctx, next) => {
    let thrown: unknown;
    try {
      await next();
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      const call = ctx.state.metered;
      if (call) {
        const { status, error } = outcomeOf(ctx, thrown);
        meter.finish(call, {
          status,
          error,
          upstreamKey: ctx.state.upstreamKeyId,
          attempts: ctx.state.attempts ?? 0,
          failures: ctx.state.failedAttempts ?? [],
        });
      }
    }
  };
}

function outcomeOf(ctx: GatewayContext, thrown: unknown): { status: number; error: string | null } {
  if (thrown instanceof RequestAbortedError) return { status: CLIENT_CLOSED_REQUEST, error: 'the client closed the connection' };
  if (thrown !== undefined) {
    return thrown instanceof GatewayError ? { status: thrown.status, error: thrown.message } : { status: 500, error: 'internal error' };
  }
  const { streamOutcome, error } = ctx.state;
  if (streamOutcome === 'upstream_error') return { status: error?.status ?? 502, error: error?.message ?? 'the upstream stream failed' };
  if (streamOutcome === 'client_aborted') return { status: CLIENT_CLOSED_REQUEST, error: 'the client closed the connection' };
  return { status: ctx.respond === false ? ctx.res.statusCode : ctx.status, error: null };
}
