import type Router from '@koa/router';
import { CancellationSource } from '../../core/cancellation.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import type { CallHandlerDependencies } from '../call-handler.js';
import type { GatewayMiddleware, GatewayState } from '../context.js';
import { registerOpenAIInferenceRoutes } from './openai-inference.js';

const LIST_TIMEOUT_MS = 15_000;

/**
 * Gemini's own OpenAI-compatible endpoint under `/openai/v1` (as gemini-balance offers it): every model name goes
 * to Gemini as it is, bodies pass through, and calls use the Gemini key pool with its retries.
 */
export function registerGeminiOpenAIRoutes(
  router: Router<GatewayState>,
  guards: { authenticated: GatewayMiddleware[]; inference: GatewayMiddleware[] },
  target: ConfiguredProvider,
  deps: CallHandlerDependencies,
): void {
  registerOpenAIInferenceRoutes(router, guards.inference, deps, { router: { plan: (model) => ({ routes: [{ target, upstreamModel: model }] }) } }, '/openai/v1');
  router.get('/openai/v1/models', ...guards.authenticated, async (ctx) => {
    const models = await deps.dispatcher.run(target, (apiKey) => target.provider.listModels({ apiKey, cancellation: CancellationSource.after(LIST_TIMEOUT_MS) }));
    ctx.body = { object: 'list', data: models.map((model) => ({ id: model.id, object: 'model', created: model.created ?? 0, owned_by: target.settings.id })) };
  });
}
