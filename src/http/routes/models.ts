import type Router from '@koa/router';
import { allowsModel } from '../../access/client-keys/client-key.js';
import { modelNotFound } from '../../core/errors.js';
import type { ModelCatalog } from '../../routing/model-catalog.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';

/** The catalog as the caller may use it: a client key with an allowlist sees only its models. */
async function visibleModels(ctx: GatewayContext, catalog: ModelCatalog) {
  const models = await catalog.list();
  const caller = ctx.state.caller;
  return caller?.kind === 'client' ? models.filter((model) => allowsModel(caller.key, model.id)) : models;
}

const MODEL_PATH_PREFIX = '/v1/models/';

export function registerModelsRoutes(router: Router<GatewayState>, guard: GatewayMiddleware[], catalog: ModelCatalog): void {
  router.get('/v1/models', ...guard, async (ctx) => {
    ctx.body = { object: 'list', data: await visibleModels(ctx, catalog) };
  });

  // Model ids may contain slashes (`openai/gpt-4o`, `myproxy/org/model`).
  router.get(/^\/v1\/models\/.+$/, ...guard, async (ctx) => {
    let id: string;
    try {
      id = decodeURIComponent(ctx.path.slice(MODEL_PATH_PREFIX.length));
    } catch {
      throw modelNotFound(ctx.path.slice(MODEL_PATH_PREFIX.length));
    }
    const model = (await visibleModels(ctx, catalog)).find((entry) => entry.id === id);
    if (!model) throw modelNotFound(id);
    ctx.body = model;
  });
}
