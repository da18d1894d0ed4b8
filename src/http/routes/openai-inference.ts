import { openAIChatProtocol } from '../../protocols/openai/chat.js';
import { openAIEmbeddingsProtocol } from '../../protocols/openai/embeddings.js';
import { openAICompletionsProtocol } from '../../protocols/openai-completions/protocol.js';
import { type CallHandlerDependencies, callHandler, type CallRouteOptions } from '../call-handler.js';
import type { GatewayMiddleware } from '../context.js';
import type { PostRoutes } from '../exact-routes.js';

/**
 * OpenAI's inference routes, `/v1/chat/completions`, `/v1/completions` and `/v1/embeddings` (or the same under
 * another prefix).
 */
export function registerOpenAIInferenceRoutes(
  router: PostRoutes,
  guard: GatewayMiddleware[],
  deps: CallHandlerDependencies,
  options: CallRouteOptions,
  prefix = '/v1',
): void {
  router.post(`${prefix}/chat/completions`, ...guard, callHandler(openAIChatProtocol, deps, options));
  router.post(`${prefix}/completions`, ...guard, callHandler(openAICompletionsProtocol, deps, options));
  router.post(`${prefix}/embeddings`, ...guard, callHandler(openAIEmbeddingsProtocol, deps, options));
}
