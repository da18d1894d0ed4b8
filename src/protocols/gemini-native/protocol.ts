import { NO_USAGE } from '../../access/metering/token-usage.js';
import type { Cancellation } from '../../core/cancellation.js';
import { GatewayError, UpstreamError } from '../../core/errors.js';
import type { PassthroughResult } from '../../providers/types.js';
import type { ModelRoute } from '../../routing/model-resolver.js';
import type { ClientProtocol, ErrorReply, RequestSize } from '../protocol.js';
import { passthroughReply } from '../passthrough-reply.js';
import { estimateTokens } from '../../core/token-estimate.js';

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

/** The model actions of Gemini's API the gateway forwards. */
export const GEMINI_MODEL_ACTIONS = new Set(['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents']);

interface NativeRequest {
  method: 'GET' | 'POST';
  path: string;
  query: string;
  body: string | undefined;
  accept: string;
}

/**
 * Errors in Google's RPC shape, which Gemini clients parse; an upstream's own error answer is passed on as it came
 * (key removed).
 */
export function googleErrorReply(error: unknown, gatewayError: GatewayError): ErrorReply {
  if (error instanceof UpstreamError && error.answer) {
    return { status: error.answer.status, headers: error.headers, contentType: error.answer.contentType, body: error.answer.body };
  }
  const status = gatewayError.status;
  return { status, headers: gatewayError.headers, body: { error: { code: status, message: gatewayError.message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN' } } };
}

/** A request to Gemini's API forwarded as it is (a GET of the model list, or a model action). */
export function forwardNative(route: ModelRoute, request: NativeRequest, apiKey: string | undefined, cancellation: Cancellation): Promise<PassthroughResult> {
  const provider = route.target.provider;
  if (!provider.passthrough) throw new GatewayError(404, `Provider ${route.target.settings.id} has no native API.`);
  return provider.passthrough({ ...request, apiKey, cancellation });
}

/** A native request's size: its text estimated as a whole, and `generationConfig.maxOutputTokens`. */
function nativeRequestSize(body: unknown): RequestSize {
  const config = (body as { generationConfig?: { maxOutputTokens?: unknown; candidateCount?: unknown } } | null)?.generationConfig;
  const maxOutput = typeof config?.maxOutputTokens === 'number' ? config.maxOutputTokens * (typeof config.candidateCount === 'number' ? config.candidateCount : 1) : undefined;
  return { prompt: estimateTokens(JSON.stringify((body as { contents?: unknown } | null)?.contents ?? [])), maxOutput };
}

/**
 * Gemini's own API (`@google/genai`, gemini-cli): `POST …/models/{model}:{action}` with Gemini's JSON. The body goes
 * upstream untouched and Gemini's bytes come back untouched, so the protocol only names the model and the action.
 */
export const geminiNativeProtocol: ClientProtocol<NativeRequest, PassthroughResult> = {
  endpoint: 'gemini',

  parse(wire) {
    const model = wire.params.model!;
    const action = wire.params.action!;
    if (!GEMINI_MODEL_ACTIONS.has(action)) throw new GatewayError(404, `Method ${action} is not supported by this gateway.`);
    return {
      model,
      stream: action === 'streamGenerateContent',
      request: { method: 'POST', path: `/models/${model}:${action}`, query: wire.query, body: wire.rawBody, accept: wire.accept },
      size: () => nativeRequestSize(wire.body),
    };
  },

  plan(request, call) {
    return {
      operation: (route, apiKey, cancellation = call.cancellation) => forwardNative(route, request, apiKey, cancellation),
      holdKeyUntil: (result) => result.finished,
      discard: (result) => result.body?.destroy(),
    };
  },

  reply: (result) => passthroughReply(result, () => NO_USAGE),

  errorReply: googleErrorReply,
};
