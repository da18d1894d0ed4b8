import type Router from '@koa/router';
import { GatewayError, missingOrInvalidToken } from '../../core/errors.js';
import { openAIResponsesProtocol } from '../../protocols/openai-responses/protocol.js';
import type { ResponseStore } from '../../protocols/openai-responses/response-store.js';
import { type CallHandlerDependencies, callHandler, type CallRouteOptions } from '../call-handler.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';
import type { ExactRoutes } from '../exact-routes.js';

const notFound = (id: string) => new GatewayError(404, `Response with id '${id}' not found.`, { param: 'response_id', code: 'not_found' });

function callerId(ctx: GatewayContext): string {
  const caller = ctx.state.caller;
  if (!caller) throw missingOrInvalidToken(true);
  return caller.id;
}

/**
 * OpenAI's Responses API: `POST /v1/responses` on the one call path, and the responses the gateway keeps (those of
 * upstreams reached through chat) read and deleted by the caller that made them; another caller gets 404.
 */
export function registerResponsesRoutes(
  routers: { inference: ExactRoutes; other: Router<GatewayState> },
  guards: { authenticated: GatewayMiddleware[]; inference: GatewayMiddleware[] },
  deps: CallHandlerDependencies,
  options: CallRouteOptions,
  store: ResponseStore,
): void {
  routers.inference.post('/v1/responses', ...guards.inference, callHandler(openAIResponsesProtocol(store), deps, options));
  const router = routers.other;
  router.get('/v1/responses/:id', ...guards.authenticated, async (ctx) => {
    const stored = await store.load(ctx.params.id!, callerId(ctx));
    if (!stored) throw notFound(ctx.params.id!);
    ctx.body = stored.response;
  });
  router.delete('/v1/responses/:id', ...guards.authenticated, async (ctx) => {
    const id = ctx.params.id!;
    if (!(await store.delete(id, callerId(ctx)))) throw notFound(id);
    ctx.body = { id, object: 'response.deleted', deleted: true };
  });
}
