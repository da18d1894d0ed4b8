import { pipeline } from 'node:stream/promises';
import type { UsageMeter } from '../access/metering/usage-meter.js';
import type { AdmittedCall, CallOutcome } from '../calls/call.js';
import { finishCall } from '../calls/finish-call.js';
import type { CallStarter, ModelRouter } from '../calls/start-call.js';
import type { CallObserver } from '../calls/finish-call.js';
import type { Cancellation } from '../core/cancellation.js';
import { CLIENT_CLOSED_REQUEST, GatewayError, RequestAbortedError } from '../core/errors.js';
import type { AnswerUsage, ClientProtocol, PassthroughReply, Reply } from '../protocols/protocol.js';
import type { Dispatcher } from '../routing/dispatcher.js';
import type { PinnedKey } from '../keys/key-pool.js';
import type { CallPricing } from '../calls/call-pricing.js';
import { usdText } from '../core/money.js';
import { isEmptyUsage, type TokenUsage } from '../core/usage.js';
import { cancelOnClientDisconnect } from './client-abort.js';
import type { GatewayContext, GatewayMiddleware } from './context.js';
import { rawJsonBody } from './middleware/json-body.js';
import { writeAnswerHead } from './answer-head.js';
import { type StreamEnding, UNBUFFERED_HEADERS, writeEventStream } from './sse-response.js';

export interface CallHandlerDependencies {
  starter: CallStarter;
  dispatcher: Dispatcher;
  meter: UsageMeter;
  /** The prices of the routing table in force. */
  pricing: () => CallPricing;
  /** Told of every call's start and finish (the metrics). */
  observer?: CallObserver | undefined;
  /** The key a call must use because of what its body names (a file uploaded with that key), if any. */
  affinity?: { pinFor(rawBody: string | undefined): Promise<PinnedKey | undefined> | undefined };
}

export interface CallRouteOptions {
  /** Where models go on this route; the gateway's resolver unless the route belongs to one provider. */
  router: ModelRouter;
  /** Values the route reads from the path. */
  params?: (ctx: GatewayContext) => Record<string, string>;
  /** Further names a client key's allowlist may list the model under. */
  allowlistAliases?: (model: string) => readonly string[];
}

/** The client's query string without a `key` parameter (a gateway token must never travel upstream). */
export function forwardedQuery(ctx: GatewayContext): string {
  if (ctx.querystring === '') return '';
  const params = new URLSearchParams(ctx.querystring);
  params.delete('key');
  return params.toString();
}

type Ended = Pick<CallOutcome, 'status' | 'error'>;

const CLIENT_LEFT: Ended = { status: CLIENT_CLOSED_REQUEST, error: { status: CLIENT_CLOSED_REQUEST, message: 'the client closed the connection', code: 'client_closed_request' } };
const STREAM_FAILED: Ended = { status: 502, error: { status: 502, message: 'the upstream stream failed', code: null } };
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NO_HEADERS: readonly string[] = [];

/** How a call that threw ended, as metering records it. */
function thrownOutcome(error: unknown): Ended {
  if (error instanceof RequestAbortedError) return CLIENT_LEFT;
  if (error instanceof GatewayError) return { status: error.status, error: { status: error.status, message: error.message, code: error.code } };
  return { status: 500, error: { status: 500, message: 'internal error', code: null } };
}

/** How a written answer ended, when it broke off. */
function brokenOffOutcome(ending: StreamEnding): Ended | undefined {
  if (ending.brokenOff === 'client_aborted') return CLIENT_LEFT;
  if (ending.brokenOff === 'upstream_error') return ending.error ? { status: ending.error.status, error: ending.error } : STREAM_FAILED;
  return undefined;
}

/**
 * A whole answer, written at once with its length: no pipe to set up and tear down, and none of Koa's response
 * path, which costs more than the answer needs. `callHeaders`: the gateway's own about the call, names and values.
 */
function writeWhole(ctx: GatewayContext, status: number, contentType: string, body: string | Buffer | undefined, callHeaders: readonly string[] = NO_HEADERS): StreamEnding {
  writeAnswerHead(ctx, status, ['Content-Type', contentType, 'Content-Length', String(body === undefined ? 0 : Buffer.byteLength(body))], callHeaders);
  ctx.res.end(body);
  return { brokenOff: undefined, error: undefined };
}

/** Writes an upstream's answer as it came: its status, its content type, its bytes. */
export async function writePassthrough(
  ctx: GatewayContext,
  reply: Pick<PassthroughReply, 'status' | 'contentType' | 'first' | 'body'>,
  cancellation: Cancellation,
  callHeaders: readonly string[] = NO_HEADERS,
): Promise<StreamEnding> {
  if (reply.body === undefined) return writeWhole(ctx, reply.status, reply.contentType, reply.first, callHeaders);
  const streaming = reply.contentType.startsWith('text/event-stream');
  writeAnswerHead(ctx, reply.status, ['Content-Type', reply.contentType, ...(streaming ? UNBUFFERED_HEADERS : NO_HEADERS)], callHeaders);
  if (reply.first) ctx.res.write(reply.first);
  try {
    await pipeline(reply.body, ctx.res);
    return { brokenOff: undefined, error: undefined };
  } catch {
    // The upstream or the client broke off mid-answer; pipeline has closed both ends.
    return { brokenOff: cancellation.cancelled ? 'client_aborted' : 'upstream_error', error: undefined };
  }
}

/** What metering learns from the answer, in the call's outcome; returns the usage it was priced on. */
function recordAnswer(outcome: CallOutcome, answer: AnswerUsage, costOf: (usage: TokenUsage) => number | null): TokenUsage {
  outcome.usage = answer.usage;
  outcome.estimate = answer.estimate;
  outcome.responseExcerpt = answer.responseExcerpt;
  const used = answer.usage ?? answer.estimate();
  outcome.cost = costOf(used);
  return used;
}

/** Writes a reply that comes over time: streams and passed-through bytes as they come. */
async function writeReply(ctx: GatewayContext, reply: Exclude<Reply, { kind: 'json' }>, cancellation: Cancellation, callHeaders: readonly string[]): Promise<StreamEnding> {
  switch (reply.kind) {
    case 'events':
      return writeEventStream(ctx, reply, cancellation, callHeaders);
    case 'bytes':
      return writePassthrough(ctx, reply, cancellation, callHeaders);
  }
}

/**
 * The one path of every inference call, whatever protocol the client speaks: the protocol parses the request,
 * the call is started and admitted, dispatched over its routes, answered in the protocol's format, and finished
 * (metered and summarised for the access log) exactly once.
 */
export function callHandler<Request, Result>(protocol: ClientProtocol<Request, Result>, deps: CallHandlerDependencies, options: CallRouteOptions): GatewayMiddleware {
  return async (ctx) => {
    const rawBody = rawJsonBody(ctx);
    const parsed = protocol.parse({
      body: ctx.request.body,
      rawBody,
      params: options.params?.(ctx) ?? NO_PARAMS,
      query: forwardedQuery(ctx),
      accept: ctx.req.headers.accept || '*/*',
      header: (name) => ctx.get(name) || undefined,
      origin: () => `${ctx.protocol}://${ctx.host}`,
    });
    const cancellation = cancelOnClientDisconnect(ctx);
    const state = ctx.state;
    const call = deps.starter.start({
      requestId: state.requestId,
      startedAt: state.startedAt,
      endpoint: protocol.endpoint,
      identity: state.caller ? { caller: state.caller } : { unknownToken: state.unknownToken },
      clientAddress: () => ctx.ip,
      model: parsed.model,
      stream: parsed.stream,
      size: parsed.size,
      router: options.router,
      allowlistAliases: options.allowlistAliases,
      cancellation,
    });
    // Started at once unless the token is being refused: nothing above this line waits.
    if (call instanceof Promise) return call;
    const outcome: CallOutcome = {
      status: 200,
      error: undefined,
      dispatch: undefined,
      usage: undefined,
      estimate: undefined,
      brokenOff: undefined,
      requestExcerpt: call.logBodies ? parsed.excerpt?.() : undefined,
      responseExcerpt: undefined,
      cost: 0,
      firstByteMs: undefined,
    };
    const pricing = deps.pricing();
    let admitted: AdmittedCall | undefined;
    deps.observer?.callStarted();
    try {
      const admission = deps.starter.admit(call, () => pricing.reservation(call.plan, parsed.size?.(), call.model));
      admitted = admission instanceof Promise ? await admission : admission;
      const upstream = protocol.plan(parsed.request, admitted);
      const pinning = admitted.ownKey ? undefined : deps.affinity?.pinFor(rawBody);
      const pinnedKey = pinning && (await pinning);
      const dispatched = await deps.dispatcher.dispatch(admitted.plan, upstream.operation, {
        ownKey: admitted.ownKey,
        pinnedKey,
        needsBilling: upstream.needsBilling,
        holdKeyUntil: upstream.holdKeyUntil,
        discard: upstream.discard,
        observer: admitted.plan.feedback,
        cancellation,
        logger: () => state.logger,
      });
      outcome.dispatch = dispatched;
      if (!dispatched.ok) throw dispatched.error;
      const served = dispatched.route!;
      // Which deployment of a model group served the call (a direct model names its provider itself).
      const callHeaders = served.targetId === undefined ? [] : ['x-gateway-upstream', served.target.settings.id, 'x-gateway-model', served.upstreamModel];
      const costOf = (usage: TokenUsage) => (isEmptyUsage(usage) ? 0 : pricing.cost(served, usage));
      const reply = protocol.reply(dispatched.value, parsed.request, admitted, costOf);
      outcome.firstByteMs = Date.now() - call.startedAt;
      // A JSON answer's usage is known before it is written, and its cost goes out in its headers.
      let used = reply.kind === 'json' ? recordAnswer(outcome, reply.usage(), costOf) : undefined;
      if (used && outcome.cost !== null) callHeaders.push('x-gateway-cost', usdText(outcome.cost));
      const ending = reply.kind === 'json' ? writeWhole(ctx, 200, 'application/json; charset=utf-8', reply.body, callHeaders) : await writeReply(ctx, reply, cancellation, callHeaders);
      if (reply.kind === 'bytes') outcome.status = reply.status;
      const brokenOff = brokenOffOutcome(ending);
      Object.assign(outcome, brokenOff);
      outcome.brokenOff = ending.brokenOff;
      if (ending.brokenOff === 'upstream_error') await deps.dispatcher.brokeOff(dispatched, brokenOff!.error!);
      used ??= recordAnswer(outcome, reply.usage(), costOf);
      admitted.plan.feedback?.used(served, used.total);
      deps.dispatcher.used(dispatched, used.total);
    } catch (error) {
      Object.assign(outcome, thrownOutcome(error));
      throw error;
    } finally {
      state.call = finishCall(deps.meter, admitted ?? call, outcome, deps.observer);
    }
  };
}
