import { performance } from 'node:perf_hooks';
import { type CallTrace, newRequestId, newTraceId, parseTraceparent } from '../../core/trace.js';
import { type AccessLine, accessLineWriter } from '../../logging/access-line.js';
import type { Logger } from '../../logging/logger.js';
import { clientWentAway } from '../client-abort.js';
import { type GatewayMiddleware, RequestState } from '../context.js';
import type { ServerLifecycle } from '../lifecycle.js';
import { setFrameHeaders } from '../answer-head.js';
import { corsHeaders, type CorsSettings } from './cors.js';
import { answerError } from './error-handler.js';

const ACCEPTABLE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export interface RequestFrameSettings {
  cors: CorsSettings;
  /** MAX_REQUEST_BODY_BYTES, for the error of a body over it. */
  maxBodyBytes: number;
}

/**
 * Outermost middleware, one layer rather than several for what every request needs before and after its route:
 * gives every request an id (the caller's X-Request-Id when it is sane), takes the caller's W3C `traceparent` (a
 * fresh trace when it has none or a malformed one) with a logger that names the trace, counts the request as in
 * flight for graceful shutdown, tells the call when its client went away; sets the CORS headers and answers
 * preflights; answers whatever the route threw as an OpenAI-shaped error (see answerError); puts the headers every
 * answer carries (security, the request id echoed, `Server-Timing`) on answers Koa writes (an answer the call
 * handler writes itself has them from answer-head.ts), and writes one access-log line once the response is out
 * (streams included). Koa writes a body only after the whole middleware chain has returned, so the line and the
 * in-flight count wait for the response to close as well: the log is not written ahead of the client's answer, and
 * its duration covers sending it.
 */
export function requestContext(logger: Logger, lifecycle: ServerLifecycle, settings: RequestFrameSettings): GatewayMiddleware {
  const cors = corsHeaders(settings.cors);
  const writeAccessLine = accessLineWriter(logger);
  return async (ctx, next) => {
    const started = performance.now();
    const headers = ctx.req.headers;
    const incoming = headers['x-request-id'];
    const requestId = typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : newRequestId();
    const traceparent = headers.traceparent;
    const traced = typeof traceparent === 'string' ? parseTraceparent(traceparent) : undefined;
    const trace: CallTrace = { traceId: traced?.traceId ?? newTraceId(), flags: traced?.flags ?? '01', requestId, receivedAt: started, upstreamMs: undefined };
    ctx.state = new RequestState(requestId, Date.now(), trace, logger);
    if (lifecycle.shuttingDown) ctx.set('Connection', 'close');
    lifecycle.requestStarted();
    let pending = 2; // the middleware chain, and the response
    const settle = () => {
      if (--pending > 0) return;
      lifecycle.requestFinished();
      const state = ctx.state;
      const call = state.call;
      // A response that could not be written (the client had gone) is recorded with the error it would have had.
      const status = ctx.respond === false ? ctx.res.statusCode : !ctx.res.headersSent && state.error ? state.error.status : ctx.status;
      const line: AccessLine = {
        trace_id: trace.traceId,
        reqId: requestId,
        method: ctx.method,
        path: ctx.path,
        status,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        model: call?.model,
        provider: call?.provider,
        upstreamKey: call?.upstreamKey,
        attempts: call?.attempts,
        client: call?.client ?? state.caller?.id,
        stream: call?.stream,
        error: call?.error ?? state.error,
      };
      if (status >= 500) writeAccessLine('error', line, 'request failed');
      else if (status >= 400 || call?.stream === 'upstream_error') writeAccessLine('warn', line, 'request rejected');
      else writeAccessLine('info', line, 'request completed');
    };
    ctx.res.on('close', () => {
      clientWentAway(ctx);
      settle();
    });
    try {
      try {
        if (!cors(ctx)) await next();
      } catch (thrown) {
        answerError(ctx, thrown, logger, settings.maxBodyBytes);
      }
      setFrameHeaders(ctx);
    } finally {
      settle();
    }
  };
}
