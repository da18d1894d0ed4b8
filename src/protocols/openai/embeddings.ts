import { estimatedUsage } from '../../access/metering/token-usage.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { type EmbeddingsRequest, embeddingsRequestSchema } from '../../core/openai-schemas.js';
import { validateRequest } from '../../core/request-validation.js';
import type { JsonResult } from '../../providers/types.js';
import type { ClientProtocol } from '../protocol.js';
import { openAIErrorReply, type ReceivedRequest, withCallModel, withModel } from './wire.js';

/** Token ids count as they are; text is estimated. */
function inputTokens(input: EmbeddingsRequest['input']): number {
  if (typeof input === 'string') return estimateTokens(input);
  return (input as (string | number | number[])[]).reduce<number>(
    (sum, item) => sum + (typeof item === 'string' ? estimateTokens(item) : typeof item === 'number' ? 1 : item.length),
    0,
  );
}

type EmbeddingsCallRequest = ReceivedRequest<EmbeddingsRequest>;

/** OpenAI's Embeddings API. */
export const openAIEmbeddingsProtocol: ClientProtocol<EmbeddingsCallRequest, JsonResult> = {
  endpoint: 'embeddings',

  parse(wire) {
    const request = validateRequest(embeddingsRequestSchema, wire.body);
    return { model: request.model, stream: false, request: { request, rawBody: wire.rawBody }, size: () => ({ prompt: inputTokens(request.input), maxOutput: 0 }) };
  },

  plan(parsed, call) {
    const { request, rawBody } = withCallModel(parsed, call.model);
    return {
      operation: async (route, apiKey, cancellation = call.cancellation) => {
        const result = await route.target.provider.embeddings({ request, rawBody, upstreamModel: route.upstreamModel, apiKey, cancellation });
        // A model group's answer names the model the client asked for.
        return route.answerModel === undefined ? result : { ...result, body: withModel(result.body, route.answerModel) };
      },
    };
  },

  reply(result, parsed) {
    return {
      kind: 'json',
      body: result.body,
      usage: () => ({ usage: result.usage, estimate: () => estimatedUsage(inputTokens(parsed.request.input), 0), responseExcerpt: undefined }),
    };
  },

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
};
