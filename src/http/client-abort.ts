import { type Cancellation, CancellationSource } from '../core/cancellation.js';
import type { GatewayContext } from './context.js';

/**
 * A cancellation that fires when the client goes away before its response is complete, so the upstream call is
 * torn down at once instead of running (and billing) to the end. The request context, which already watches the
 * response close, fires it (see `clientWentAway`); a client already gone gets one that has fired. It carries the
 * request's trace to the upstream call.
 */
export function cancelOnClientDisconnect(ctx: GatewayContext): Cancellation {
  let source = ctx.state.clientGone;
  if (!source) {
    source = ctx.state.clientGone = new CancellationSource();
    source.trace = ctx.state.trace;
    if (ctx.res.destroyed) source.cancel();
  }
  return source;
}

/** The response closed: if it was not complete, the client went away. */
export function clientWentAway(ctx: GatewayContext): void {
  if (!ctx.res.writableFinished) ctx.state.clientGone?.cancel();
}
