import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Router from '@koa/router';
import { AnswerTail } from '../../access/metering/answer-tail.js';
import type { Authenticator } from '../../access/identity/authenticator.js';
import { allowsModel } from '../../access/client-keys/client-key.js';
import { bearerToken } from '../../access/identity/token-verifier.js';
import { usageFromObject } from '../../access/metering/token-usage.js';
import type { UsageMeter } from '../../access/metering/usage-meter.js';
import { GatewayError, UpstreamError, redactSecrets } from '../../core/errors.js';
import { openAIUsageFromGeminiText } from '../../providers/gemini/usage.js';
import { geminiErrorFromResponse } from '../../providers/gemini/errors.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import type { Dispatcher } from '../../routing/dispatcher.js';
import { toTransportError, type UpstreamHttp } from '../../upstream/http-client.js';
import { cancelOnClientDisconnect } from '../client-abort.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';
import { toGatewayError } from '../middleware/error-handler.js';
import { jsonBody, rawJsonBody } from '../middleware/json-body.js';
import { meterCalls } from '../middleware/metering.js';

export interface GeminiNativeDependencies {
  /** The configured Gemini provider; the routes answer 404 without one. */
  gemini: ConfiguredProvider | undefined;
  dispatcher: Dispatcher;
  http: UpstreamHttp;
  authenticator: Authenticator;
  meter: UsageMeter;
  maxBodyBytes: number;
}

/** An upstream's own failed answer, kept so a passthrough route can hand it to the client unchanged. */
class UpstreamAnswerError extends UpstreamError {
  constructor(
    judged: UpstreamError,
    readonly answer: { status: number; contentType: string; body: string },
  ) {
    super(judged.provider, judged.kind, judged.status, judged.message, {
      type: judged.type,
      code: judged.code,
      headers: judged.headers,
      retryAfterMs: judged.retryAfterMs,
      keyProblem: judged.keyProblem,
    });
  }
}

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * Errors on the native routes leave in Google's RPC shape, which Gemini clients parse; an upstream's own error
 * answer is passed on as it came (key removed).
 */
function googleErrors(maxBodyBytes: number): GatewayMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      if (ctx.headerSent || !ctx.writable) return;
      if (thrown instanceof UpstreamAnswerError) {
        ctx.state.error = { status: thrown.status, message: thrown.message, code: thrown.code };
        ctx.status = thrown.answer.status;
        ctx.set(thrown.headers);
        ctx.type = thrown.answer.contentType;
        ctx.body = thrown.answer.body;
        return;
      }
      const error = toGatewayError(thrown, maxBodyBytes);
      ctx.state.error = { status: error.status, message: error.message, code: error.code };
      ctx.status = error.status;
      ctx.set(error.headers);
      ctx.body = { error: { code: error.status, message: error.message, status: GOOGLE_STATUS[error.status] ?? 'UNKNOWN' } };
    }
  };
}

/** Gemini clients send their key as `?key=`, `x-goog-api-key` or a bearer token: each may carry a gateway key. */
function requireGeminiClientToken(authenticator: Authenticator): GatewayMiddleware {
  return async (ctx, next) => {
    const query = ctx.query.key;
    const token = (typeof query === 'string' ? query : undefined) ?? (ctx.get('x-goog-api-key') || undefined) ?? bearerToken(ctx.get('authorization'));
    const identification = await authenticator.identify(token, () => ctx.ip, false);
    if (!('caller' in identification)) throw new Error('unreachable: unknown tokens are refused');
    ctx.state.caller = identification.caller;
    ctx.state.clientFingerprint = identification.caller.id;
    return next();
  };
}

/** Starts metering a model call on the native API: the key's model allowlist (bare or `gemini/` names) and limits. */
async function admitModelCall(ctx: GatewayContext, meter: UsageMeter, model: string, stream: boolean): Promise<void> {
  const caller = ctx.state.caller!;
  ctx.state.metered = { caller, requestId: ctx.state.requestId, endpoint: 'gemini', model, provider: ctx.state.provider ?? null, stream, startedAt: ctx.state.startedAt };
  if (caller.kind === 'client' && !allowsModel(caller.key, model) && !allowsModel(caller.key, `gemini/${model}`)) {
    throw new GatewayError(403, `This API key is not allowed to use the model \`${model}\`.`, { code: 'model_not_allowed' });
  }
  await meter.admit(ctx.state.metered);
}

/** The client's query string without its key (the gateway token must never reach Google). */
function forwardedQuery(ctx: GatewayContext): string {
  const params = new URLSearchParams(ctx.querystring);
  params.delete('key');
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** Resolves with the first chunk of the body (undefined when it is empty) and leaves the body paused. */
function firstChunk(body: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      body.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}

const finished = (body: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    if (body.destroyed || body.readableEnded) resolve();
    else body.once('close', () => resolve());
  });

const MODEL_ACTIONS = new Set(['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents']);
const PREFIX = '(?:/gemini)?/v1beta';
const MODELS_PATH = new RegExp(`^${PREFIX}/models$`);
const MODEL_PATH = new RegExp(`^${PREFIX}/models/([^/:]+)$`);
const MODEL_ACTION_PATH = new RegExp(`^${PREFIX}/models/([^/:]+):([A-Za-z]+)$`);

/**
 * Gemini's own API for clients that speak it (`@google/genai`, gemini-cli), under `/v1beta` and `/gemini/v1beta`:
 * the client's body goes to Gemini untouched and Gemini's bytes come back untouched, streamed as they arrive, with
 * a pool key swapped in for the client's gateway token and the pool's rotation, failure handling and retries (a
 * stream only before its first byte).
 */
export function registerGeminiNativeRoutes(router: Router<GatewayState>, deps: GeminiNativeDependencies): void {
  const guard = [googleErrors(deps.maxBodyBytes), requireGeminiClientToken(deps.authenticator), meterCalls(deps.meter)];

  const gemini = (): ConfiguredProvider => {
    if (!deps.gemini) throw new GatewayError(404, 'Gemini is not configured on this gateway.');
    return deps.gemini;
  };

  const forward = async (ctx: GatewayContext, method: 'GET' | 'POST', upstreamPath: string, body: string | undefined) => {
    const target = gemini();
    ctx.state.provider = target.settings.id;
    const url = `${target.settings.baseUrl}${upstreamPath}${forwardedQuery(ctx)}`;
    const cancellation = cancelOnClientDisconnect(ctx);
    const { response, first } = await deps.dispatcher.run(
      target,
      async (apiKey) => {
        const headers: Record<string, string> = { accept: ctx.get('accept') || '*/*' };
        if (body !== undefined) headers['content-type'] = 'application/json';
        if (apiKey !== undefined) headers['x-goog-api-key'] = apiKey;
        const failure = (status: number, answerHeaders: IncomingHttpHeaders, text: string) =>
          new UpstreamAnswerError(geminiErrorFromResponse(target.settings.id, status, answerHeaders, text, apiKey), {
            status,
            contentType: String(answerHeaders['content-type'] ?? 'application/json; charset=UTF-8'),
            body: redactSecrets(text, [apiKey]),
          });
        const answer = await deps.http.stream(target.settings.id, { method, url, headers, body, cancellation, failure });
        try {
          return { response: answer, first: await firstChunk(answer.body) };
        } catch (error) {
          throw toTransportError(target.settings.id, error);
        }
      },
      { trace: ctx.state, holdKeyUntil: ({ response: answer }) => finished(answer.body) },
    );

    ctx.respond = false;
    const contentType = String(response.headers['content-type'] ?? 'application/json; charset=UTF-8');
    const streaming = contentType.startsWith('text/event-stream');
    ctx.res.writeHead(response.status, {
      'Content-Type': contentType,
      ...(streaming ? { 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } : {}),
    });
    const tail = new AnswerTail();
    if (first) {
      tail.keep(first);
      ctx.res.write(first);
    }
    try {
      await pipeline(response.body, tail, ctx.res);
    } catch {
      // The upstream or the client broke off mid-answer; pipeline has closed both ends.
      ctx.state.streamOutcome = cancellation.cancelled ? 'client_aborted' : 'upstream_error';
    }
    if (ctx.state.metered) ctx.state.metered.usage = usageFromObject(openAIUsageFromGeminiText(tail.text));
  };

  router.get(MODELS_PATH, ...guard, (ctx) => forward(ctx, 'GET', '/models', undefined));

  router.get(MODEL_PATH, ...guard, async (ctx) => {
    const model = MODEL_PATH.exec(ctx.path)![1]!;
    ctx.state.model = model;
    await forward(ctx, 'GET', `/models/${model}`, undefined);
  });

  router.post(MODEL_ACTION_PATH, ...guard, jsonBody(deps.maxBodyBytes), async (ctx) => {
    const [, model, action] = MODEL_ACTION_PATH.exec(ctx.path)!;
    if (!MODEL_ACTIONS.has(action!)) throw new GatewayError(404, `Method ${action} is not supported by this gateway.`);
    ctx.state.model = model;
    ctx.state.provider = gemini().settings.id;
    await admitModelCall(ctx, deps.meter, model!, action === 'streamGenerateContent');
    await forward(ctx, 'POST', `/models/${model}:${action}`, rawJsonBody(ctx));
  });
}
