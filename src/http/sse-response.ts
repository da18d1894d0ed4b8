import type { ServerResponse } from 'node:http';
import type { BrokenOff } from '../calls/call.js';
import type { Cancellation } from '../core/cancellation.js';
import { GatewayError, RequestAbortedError } from '../core/errors.js';
import type { EventStreamReply } from '../protocols/protocol.js';
import { writeAnswerHead } from './answer-head.js';
import type { GatewayContext } from './context.js';

/** An event stream must reach the client as it is written: not cached, not buffered by nginx (or proxies that copy its convention). */
export const UNBUFFERED_HEADERS: readonly string[] = ['Cache-Control', 'no-cache', 'X-Accel-Buffering', 'no'];

/** Node says `Connection: keep-alive` itself (and `close` to a client it will not keep). */
const SSE_HEADERS: readonly string[] = ['Content-Type', 'text/event-stream; charset=utf-8', ...UNBUFFERED_HEADERS];

/** Resolves once the socket can take more data, or the client has gone. */
export function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}

/** How a written stream ended, when not cleanly. */
export interface StreamEnding {
  brokenOff: BrokenOff | undefined;
  error: { status: number; message: string; code: string | null } | undefined;
}

/**
 * Writes a server-sent event stream: each batch the moment it arrives, the protocol's end after a complete stream.
 * If the upstream fails mid-way the client gets the protocol's error event and the stream closes without the end
 * marker, so a truncated answer never looks complete. A client that leaves ends the loop (the upstream call is
 * cancelled through the request's cancellation).
 */
export async function writeEventStream(ctx: GatewayContext, reply: EventStreamReply, cancellation: Cancellation, callHeaders: readonly string[]): Promise<StreamEnding> {
  const response = ctx.res;
  writeAnswerHead(ctx, 200, SSE_HEADERS, callHeaders);
  const stream = reply.events;
  try {
    let next = stream.first;
    while (!next.done) {
      if (cancellation.cancelled || response.destroyed) throw new RequestAbortedError('client went away');
      if (!response.write(reply.frame(next.value))) await drained(response);
      next = await stream.rest.next();
    }
    response.end(reply.end);
    return { brokenOff: undefined, error: undefined };
  } catch (error) {
    if (error instanceof RequestAbortedError || cancellation.cancelled || response.destroyed) {
      await stream.rest.return?.().catch(() => undefined);
      response.destroy();
      return { brokenOff: 'client_aborted', error: undefined };
    }
    const failure = error instanceof GatewayError ? error : new GatewayError(502, 'The upstream stream failed.', { code: 'upstream_stream_error' });
    response.end(reply.errorEvent(failure));
    return { brokenOff: 'upstream_error', error: { status: failure.status, message: error instanceof Error ? error.message : failure.message, code: failure.code } };
  }
}
