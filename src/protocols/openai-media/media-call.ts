import { Readable } from 'node:stream';
import type { Call } from '../../calls/call.js';
import { GatewayError } from '../../core/errors.js';
import { estimatedUsage, type MediaUsage, type TokenUsage, withMedia } from '../../core/usage.js';
import type { OwnOpenAIApi, PassthroughCall, PassthroughResult, Provider } from '../../providers/types.js';
import type { ModelRoute } from '../../routing/model-resolver.js';
import { encodeMultipart, type FormData, withField } from '../../media/multipart.js';
import { passthroughReply } from '../passthrough-reply.js';
import type { JsonReply, PassthroughReply } from '../protocol.js';

/** A media call's outcome: the upstream's own answer (OpenAI's API passed through), or one the gateway wrote. */
export type MediaOutcome = { kind: 'passthrough'; result: PassthroughResult } | { kind: 'made'; contentType: string; body: Buffer; usage: TokenUsage | undefined };

/** The model cannot do what the endpoint asks: a 400 that says so, before anything is sent. */
export const notSupported = (model: string, what: string) =>
  new GatewayError(400, `The model \`${model}\` does not support ${what}.`, { param: 'model', code: 'model_not_supported' });

/** Whether a route's upstream serves OpenAI's own API for this endpoint, to be sent the request as it came. */
export const servesOwnApi = (provider: Provider, api: OwnOpenAIApi): provider is Provider & Required<Pick<Provider, 'passthrough'>> =>
  provider.ownApis?.has(api) === true && provider.passthrough !== undefined;

/** Forwards a request in OpenAI's own API to an upstream that serves it. */
export function forwardToOwnApi(
  route: ModelRoute,
  apiKey: string | undefined,
  cancellation: Call['cancellation'],
  request: Pick<PassthroughCall, 'path' | 'body' | 'contentType' | 'accept'>,
): Promise<PassthroughResult> {
  return route.target.provider.passthrough!({ method: 'POST', query: '', upstreamModel: route.upstreamModel, apiKey, cancellation, ...request });
}

/**
 * Forwards a JSON request to an upstream that serves OpenAI's own API for it: the client's bytes when the model
 * needs no renaming (neither by a key's default model nor by a model group), else the request with the model renamed.
 */
export async function forwardJson(
  received: { request: { model?: string | undefined }; rawBody: string | undefined },
  call: Call,
  route: ModelRoute,
  attempt: { apiKey: string | undefined; cancellation: Call['cancellation'] },
  path: string,
  accept: string,
): Promise<MediaOutcome> {
  const { request, rawBody } = received;
  const body = rawBody !== undefined && request.model === call.model && call.model === route.upstreamModel ? rawBody : JSON.stringify({ ...request, model: route.upstreamModel });
  return { kind: 'passthrough', result: await forwardToOwnApi(route, attempt.apiKey, attempt.cancellation, { path, body, accept }) };
}

/** An answer the gateway made itself, written as it is. */
export function madeReply(contentType: string, body: Buffer, usage: () => { usage: TokenUsage | undefined; estimate: () => TokenUsage }): PassthroughReply {
  return { kind: 'bytes', status: 200, contentType, first: body.length === 0 ? undefined : body, body: Readable.from([]), usage: () => ({ ...usage(), responseExcerpt: undefined }) };
}

/**
 * The reply of a media call, metered: the tokens the upstream reported (or `promptTokens` estimated), with the media
 * units the call is billed in (images, characters, seconds) added where the upstream did not count them itself.
 */
export function mediaReply(outcome: MediaOutcome, promptTokens: number, media: Partial<MediaUsage>): JsonReply | PassthroughReply {
  const metered = (usage: TokenUsage | undefined) => (usage === undefined ? undefined : withMedia(usage, { ...media, ...usage.media }));
  const estimate = () => withMedia(estimatedUsage(promptTokens, 0), media);
  if (outcome.kind === 'made' && outcome.contentType === 'application/json') {
    // A JSON answer is written by Koa, with the call's cost in `x-gateway-cost`.
    return { kind: 'json', body: outcome.body.toString('utf8'), usage: () => ({ usage: metered(outcome.usage), estimate, responseExcerpt: undefined }) };
  }
  if (outcome.kind === 'made') return madeReply(outcome.contentType, outcome.body, () => ({ usage: metered(outcome.usage), estimate }));
  const reply = passthroughReply(outcome.result, estimate);
  return { ...reply, usage: () => ({ ...reply.usage(), usage: metered(outcome.result.usage) }) };
}

export const mediaPlanHooks = {
  holdKeyUntil: (outcome: MediaOutcome) => (outcome.kind === 'passthrough' ? outcome.result.finished : Promise.resolve()),
  discard: (outcome: MediaOutcome) => {
    if (outcome.kind === 'passthrough') outcome.result.body?.destroy();
  },
};

/** A multipart request as the client sent it, parsed, and its bytes to forward untouched. */
export interface ReceivedForm {
  form: FormData;
  raw: { body: Buffer; contentType: string };
}

/** The multipart body to forward: the client's bytes, or re-encoded with the model renamed. */
export const forwardedForm = (received: ReceivedForm, upstreamModel: string): { body: Buffer; contentType: string } =>
  received.form.fields.model === upstreamModel ? received.raw : encodeMultipart(withField(received.form, 'model', upstreamModel));
