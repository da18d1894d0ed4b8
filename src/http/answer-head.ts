import { performance } from 'node:perf_hooks';
import type { GatewayContext } from './context.js';
import { SECURITY_HEADERS } from './middleware/security-headers.js';
import { serverTiming } from './server-timing.js';

/**
 * The headers every answer carries, put on at the moment its head goes out: the security headers, the request id
 * and `Server-Timing`. An answer the gateway writes itself (a call's JSON, stream or passed-through bytes) has them
 * in the one list given to `writeHead`, which Node writes without the per-header bookkeeping of `setHeader` (a few
 * microseconds per call); Koa's answers get them from `setFrameHeaders` before Koa writes.
 */
export function writeAnswerHead(ctx: GatewayContext, status: number, headers: readonly string[]): void {
  const state = ctx.state;
  ctx.respond = false;
  // Headers set earlier (CORS, `Connection: close` while draining) are merged in by Node.
  ctx.res.writeHead(status, [...SECURITY_HEADERS, 'X-Request-Id', state.requestId, 'Server-Timing', serverTiming(state.trace, performance.now()), ...headers]);
}

/** The same headers on an answer Koa writes, unless its head is out already. */
export function setFrameHeaders(ctx: GatewayContext): void {
  const response = ctx.res;
  if (response.headersSent) return;
  for (let index = 0; index < SECURITY_HEADERS.length; index += 2) response.setHeader(SECURITY_HEADERS[index]!, SECURITY_HEADERS[index + 1]!);
  response.setHeader('X-Request-Id', ctx.state.requestId);
  response.setHeader('Server-Timing', serverTiming(ctx.state.trace, performance.now()));
}
