import { NO_USAGE } from '../../access/metering/token-usage.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { JsonResult, PassthroughResult } from '../../providers/types.js';
import type { ClientProtocol } from '../protocol.js';
import { anthropicErrorReply } from './errors.js';
import { bodyFor, type ReceivedMessagesRequest, readHeaders, speaksMessages } from './protocol.js';
import { type CountTokensRequest, countTokensRequestSchema } from './request-schema.js';
import { toChatMessages } from './to-chat-request.js';

type CountResult = { kind: 'bytes'; answer: PassthroughResult } | JsonResult;

/**
 * `POST /v1/messages/count_tokens`: an Anthropic upstream counts exactly (passed through on the pool); for any other
 * provider the gateway estimates the prompt as it does for metering, with no upstream call. A count uses no tokens.
 */
export const anthropicCountTokensProtocol: ClientProtocol<ReceivedMessagesRequest<CountTokensRequest>, CountResult> = {
  endpoint: 'messages',

  parse(wire) {
    const body = validateRequest(countTokensRequestSchema, wire.body);
    return { model: body.model, stream: false, request: { body, rawBody: wire.rawBody, headers: readHeaders(wire.header) } };
  },

  plan(request, call) {
    return {
      operation: async (route, apiKey, cancellation = call.cancellation): Promise<CountResult> => {
        if (!speaksMessages(route)) {
          const tools = request.body.tools ? JSON.stringify(request.body.tools) : '';
          const inputTokens = estimateTokens(JSON.stringify(toChatMessages(request.body)) + tools);
          return { kind: 'json', body: JSON.stringify({ input_tokens: inputTokens }), usage: undefined };
        }
        const body = bodyFor(request, route.upstreamModel);
        const answer = await route.target.provider.passthrough!({ method: 'POST', path: '/v1/messages/count_tokens', query: '', body, accept: 'application/json', headers: request.headers, apiKey, cancellation });
        return { kind: 'bytes', answer };
      },
      holdKeyUntil: (result) => (result.kind === 'bytes' ? result.answer.finished : Promise.resolve()),
      discard: (result) => {
        if (result.kind === 'bytes') result.answer.body?.destroy();
      },
    };
  },

  reply(result) {
    const usage = () => ({ usage: NO_USAGE, estimate: () => NO_USAGE, responseExcerpt: undefined });
    if (result.kind === 'json') return { kind: 'json', body: result.body, usage };
    const { answer } = result;
    return { kind: 'bytes', status: answer.status, contentType: answer.contentType, first: answer.first, body: answer.body, usage };
  },

  errorReply: anthropicErrorReply,
};
