import { performance } from 'node:perf_hooks';
import type { GatewayContext } from './context.js';
import { SECURITY_HEADERS } from './middleware/security-headers.js';
import { serverTiming } from './server-timing.js';

const NO_HEADERS: readonly string[] = [];

/**
 * The headers every answer carries, names and values in turn, as of the moment its head goes out: the security
 * headers, the request id and `Server-Timing`.
 */
function frameHeaders(ctx: GatewayContext): string[] {
  const state = ctx.state;
  return [...SECURITY_HEADERS, 'X-Request-Id', state.requestId, 'Server-Timing', serverTiming(state.trace, performance.now())];
}

/**
 * Writes the head of an answer the gateway writes itself (a call's JSON, stream or passed-through bytes): the
 * frame's headers, the answer's own (`headers`: its type, length, caching) and the call's (`callHeaders`: which
 * upstream served it, what it cost), in the one list given to `writeHead`, which Node writes without the per-header
 * bookkeeping of `setHeader` (a few microseconds per call). Headers set earlier (CORS, `Connection: close` while
 * draining) are merged in by Node.
 */
export function writeAnswerHead(ctx: GatewayContext, status: number, headers: readonly string[], callHeaders: readonly string[] = NO_HEADERS): void {
  ctx.respond = false;
  const list = frameHeaders(ctx);
  list.push(...headers, ...callHeaders);
  ctx.res.writeHead(status, list);
}

/** The frame's headers on an answer Koa writes, unless its head is out already. */
export function setFrameHeaders(ctx: GatewayContext): void {
  const response = ctx.res;
  if (response.headersSent) return;
  const list = frameHeaders(ctx);
  for (let index = 0; index < list.length; index += 2) response.setHeader(list[index]!, list[index + 1]!);
}
