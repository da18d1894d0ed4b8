import { performance } from 'node:perf_hooks';
import type { CallTrace } from '../core/trace.js';
import type { GatewayContext } from './context.js';

/** Milliseconds with one decimal (`12.3`), printed from whole tenths: cheaper than printing a fraction. */
function ms(value: number): string {
  const tenths = Math.round(value * 10);
  return `${Math.trunc(tenths / 10)}.${tenths % 10}`;
}

/**
 * The `Server-Timing` header of an answer whose headers go out at `now` (performance.now()): the gateway's own
 * time (all of it but the waits on upstreams) and, when an upstream answered, the time to its first byte.
 */
export function serverTiming(trace: CallTrace, now: number): string {
  const total = now - trace.receivedAt;
  const upstream = trace.upstreamMs;
  if (upstream === undefined) return `gateway;dur=${ms(total)}`;
  return `gateway;dur=${ms(Math.max(0, total - upstream))}, upstream;dur=${ms(upstream)}`;
}

/** Sets `Server-Timing` on an answer whose headers are about to go (a stream's: before its body). */
export function setServerTiming(ctx: GatewayContext): void {
  ctx.res.setHeader('Server-Timing', serverTiming(ctx.state.trace, performance.now()));
}
