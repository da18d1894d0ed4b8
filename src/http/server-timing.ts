import { flatText } from '../core/flat-text.js';
import type { CallTrace } from '../core/trace.js';

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
  if (upstream === undefined) return flatText('gateway;dur=', ms(total));
  return flatText('gateway;dur=', ms(Math.max(0, total - upstream)), ', upstream;dur=', ms(upstream));
}
