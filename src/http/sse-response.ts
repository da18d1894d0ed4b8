import type { ServerResponse } from 'node:http';
import type { Cancellation } from '../core/cancellation.js';
import { GatewayError, RequestAbortedError } from '../core/errors.js';
import type { PrimedStream } from '../core/primed-stream.js';
import type { GatewayContext } from './context.js';

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache',
  Connection: 'keep-alive',
  // Tells nginx (and proxies that copy its convention) not to buffer the stream.
  'X-Accel-Buffering': 'no',
};

const DONE_EVENT = 'data: [DONE]\n\n';

/** Resolves once the socket can take more data, or the client has gone. */
function drained(response: ServerResponse): Promise<void> {
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

/**
 * Writes an OpenAI-style SSE response: each payload as `data: …` the moment it arrives, `data: [DONE]` after a
 * complete stream. If the upstream fails mid-way the client gets `data: {"error":…}` and the stream closes without
 * `[DONE]`, so a truncated answer never looks complete. A client that leaves ends the loop (the upstream call is
 * cancelled through the request's cancellation).
 */
export async function writeSseResponse(ctx: GatewayContext, stream: PrimedStream<string[]>, cancellation: Cancellation): Promise<void> {
  ctx.respond = false;
  const response = ctx.res;
  response.writeHead(200, SSE_HEADERS);

  const send = async (payloads: string[]) => {
    let text = '';
    for (const payload of payloads) text += `data: ${payload}\n\n`;
    if (!response.write(text)) await drained(response);
  };

  try {
    let next = stream.first;
    while (!next.done) {
      if (cancellation.cancelled || response.destroyed) throw new RequestAbortedError('client went away');
      await send(next.value);
      next = await stream.rest.next();
    }
    response.end(DONE_EVENT);
  } catch (error) {
    if (error instanceof RequestAbortedError || cancellation.cancelled || response.destroyed) {
      ctx.state.streamOutcome = 'client_aborted';
      await stream.rest.return?.().catch(() => undefined);
      response.destroy();
      return;
    }
    const failure = error instanceof GatewayError ? error : new GatewayError(502, 'The upstream stream failed.', { code: 'upstream_stream_error' });
    ctx.state.streamOutcome = 'upstream_error';
    ctx.state.error = { status: failure.status, message: error instanceof Error ? error.message : failure.message, code: failure.code };
    response.end(`data: ${JSON.stringify(failure.toBody())}\n\n`);
  }
}
