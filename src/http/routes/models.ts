import type Router from '@koa/router';
import { allowsModel } from '../../access/client-keys/client-key.js';
import { modelNotFound } from '../../core/errors.js';
import { tokenAllows } from '../../access/identity/token-routes.js';
import { isGlob } from '../../core/glob.js';
import type { ListedModel, ModelCatalog } from '../../routing/model-catalog.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';

/** The config file's model groups, listed by their (non-glob) names. */
export type GroupNames = () => readonly string[];

/**
 * What the caller may use: the config file's groups and the catalog's models, narrowed to a client key's
 * allowlist, or to a token's own routes (its aliases and the groups it may use).
 */
async function visibleModels(ctx: GatewayContext, catalog: ModelCatalog, groupNames: GroupNames): Promise<ListedModel[]> {
  const direct = await catalog.list();
  const created = direct[0]?.created ?? Math.floor(Date.now() / 1000);
  const listed = (id: string): ListedModel => ({ id, object: 'model', created, owned_by: 'gateway' });
  const groups = groupNames().map(listed);
  const caller = ctx.state.caller;
  const aliasesOf = (modelMap: Readonly<Record<string, string>>, allowed: (name: string) => boolean) =>
    Object.entries(modelMap).filter(([alias, target]) => !isGlob(alias) && (allowed(alias) || allowed(target))).map(([alias]) => listed(alias));
  if (caller?.kind === 'client') {
    const allowed = (name: string) => allowsModel(caller.key, name);
    return uniqueIds([...aliasesOf(caller.key.modelMap ?? {}, allowed), ...[...groups, ...direct].filter((model) => allowed(model.id))]);
  }
  if (caller?.kind === 'token' && caller.routes) {
    const routes = caller.routes;
    // A token's aliases are what it was configured to call: listed whether or not they name an allowed group.
    return uniqueIds([...aliasesOf(routes.modelMap, () => true), ...[...groups, ...direct].filter((model) => tokenAllows(routes, model.id))]);
  }
  return [...groups, ...direct.filter((model) => !groupNames().includes(model.id))];
}

function uniqueIds(models: readonly ListedModel[]): ListedModel[] {
  const seen = new Set<string>();
  return models.filter((model) => !seen.has(model.id) && Boolean(seen.add(model.id)));
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `GET {prefix}/models` and `GET {prefix}/models/{id}` (`/v1`, or an alias of it such as gemini-balance's `/hf/v1`). */
export function registerModelsRoutes(router: Router<GatewayState>, guard: GatewayMiddleware[], catalog: ModelCatalog, groupNames: GroupNames = () => [], prefix = '/v1'): void {
  const MODEL_PATH_PREFIX = `${prefix}/models/`;
  router.get(`${prefix}/models`, ...guard, async (ctx) => {
    ctx.body = { object: 'list', data: await visibleModels(ctx, catalog, groupNames) };
  });

  // Model ids may contain slashes (`openai/gpt-4o`, `myproxy/org/model`).
  router.get(new RegExp(`^${escapeRegExp(MODEL_PATH_PREFIX)}.+$`), ...guard, async (ctx) => {
    let id: string;
    try {
      id = decodeURIComponent(ctx.path.slice(MODEL_PATH_PREFIX.length));
    } catch {
      throw modelNotFound(ctx.path.slice(MODEL_PATH_PREFIX.length));
    }
    const model = (await visibleModels(ctx, catalog, groupNames)).find((entry) => entry.id === id);
    if (!model) throw modelNotFound(id);
    ctx.body = model;
  });
}
