import type Router from '@koa/router';
import { z } from 'zod';
import { GatewayError } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import { keyId, maskKey } from '../../keys/key-identity.js';
import type { KeyPool } from '../../keys/key-pool.js';
import type { KeyRecovery } from '../../keys/key-recovery.js';
import { keyStatus } from '../../keys/key-state.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';

export interface UpstreamKeyRouteDependencies {
  /** The pools of the config in force. */
  pools: () => ReadonlyMap<string, KeyPool>;
  recovery: KeyRecovery;
}

const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());

/** The operator's view of a pool; the key itself only when `reveal` is asked for. */
export async function describePool(pool: KeyPool, reveal: boolean) {
  const [members, states] = await Promise.all([pool.members(), pool.states()]);
  const now = Date.now();
  const keys = states.map((state) => {
    const member = members.find((entry) => entry.id === state.id);
    const secret = pool.secretOf(state.id);
    return {
      id: state.id,
      key: secret === undefined ? null : reveal ? secret : maskKey(secret),
      source: member?.secret === undefined ? 'config' : 'runtime',
      status: keyStatus(state, now),
      cooling_until: state.coolingUntil !== null && state.coolingUntil > now ? iso(state.coolingUntil) : null,
      /** Model → until when the key rests for that model only (it serves the others meanwhile). */
      cooling_models: Object.fromEntries(Object.entries(state.coolingModels).flatMap(([model, until]) => (until > now ? [[model, iso(until)]] : []))),
      invalid_since: iso(state.invalidSince),
      failures: state.failures,
      last_status: state.lastStatus,
      last_error: state.lastError,
      calls: state.calls,
      last_used_at: iso(state.lastUsedAt),
    };
  });
  const count = (status: string) => keys.filter((key) => key.status === status).length;
  return { provider: pool.provider, total: keys.length, valid: count('valid'), cooling: count('cooling'), invalid: count('invalid'), keys };
}

const keyListSchema = z.looseObject({
  keys: z.union([z.array(z.string().trim().min(1)).min(1), z.string().trim().min(1)]),
});

const selectionSchema = z.looseObject({
  /** Key ids, or the keys themselves; all keys of the pool when absent. */
  ids: z.array(z.string().trim().min(1)).min(1).optional(),
});

/** The pool a route names, or a 404. */
function poolOf(ctx: GatewayContext, pools: ReadonlyMap<string, KeyPool>): KeyPool {
  const provider = String(ctx.params.provider);
  const pool = pools.get(provider);
  if (!pool) throw new GatewayError(404, `No provider named "${provider}" is configured.`, { code: 'provider_not_found' });
  return pool;
}

/** Ids for the given entries, which may be ids or keys; only members of the pool. */
async function selectedIds(pool: KeyPool, entries: readonly string[] | undefined): Promise<string[]> {
  const members = (await pool.members()).map((member) => member.id);
  if (entries === undefined) return members;
  const ids = entries.map((entry) => (members.includes(entry) ? entry : keyId(entry)));
  const unknown = ids.filter((id) => !members.includes(id));
  if (unknown.length > 0) throw new GatewayError(404, `Not keys of provider ${pool.provider}: ${unknown.join(', ')}.`, { code: 'key_not_found' });
  return ids;
}

const reveal = (ctx: GatewayContext) => ctx.query.reveal === 'true' || ctx.query.reveal === '1';

/** Operator endpoints for upstream keys, under /admin/api/upstream-keys (admin token only). */
export function registerUpstreamKeyRoutes(router: Router<GatewayState>, guard: GatewayMiddleware[], deps: UpstreamKeyRouteDependencies): void {
  const base = '/admin/api/upstream-keys';

  router.get(base, ...guard, async (ctx) => {
    ctx.body = { providers: await Promise.all([...deps.pools().values()].map((pool) => describePool(pool, reveal(ctx)))) };
  });

  router.post(`${base}/_reset`, ...guard, async (ctx) => {
    const reset: Record<string, number> = {};
    for (const pool of deps.pools().values()) {
      const ids = await selectedIds(pool, undefined);
      await pool.resetKeys(ids);
      reset[pool.provider] = ids.length;
    }
    ctx.body = { reset };
  });

  router.get(`${base}/:provider`, ...guard, async (ctx) => {
    ctx.body = await describePool(poolOf(ctx, deps.pools()), reveal(ctx));
  });

  router.post(`${base}/:provider`, ...guard, async (ctx) => {
    const pool = poolOf(ctx, deps.pools());
    const { keys } = validateRequest(keyListSchema, ctx.request.body);
    const secrets = typeof keys === 'string' ? keys.split(/[\s,]+/).filter((key) => key !== '') : keys;
    const added = await pool.addKeys(secrets);
    ctx.status = 201;
    ctx.body = { provider: pool.provider, added, already_present: new Set(secrets).size - added.length };
  });

  router.delete(`${base}/:provider/:id`, ...guard, async (ctx) => {
    const pool = poolOf(ctx, deps.pools());
    const ids = await selectedIds(pool, [String(ctx.params.id)]);
    await pool.removeKeys(ids);
    ctx.body = { provider: pool.provider, removed: ids };
  });

  router.post(`${base}/:provider/remove`, ...guard, async (ctx) => {
    const pool = poolOf(ctx, deps.pools());
    const { ids } = validateRequest(selectionSchema.required({ ids: true }), ctx.request.body);
    const selected = await selectedIds(pool, ids);
    await pool.removeKeys(selected);
    ctx.body = { provider: pool.provider, removed: selected };
  });

  router.post(`${base}/:provider/verify`, ...guard, async (ctx) => {
    const pool = poolOf(ctx, deps.pools());
    const { ids } = validateRequest(selectionSchema, ctx.request.body ?? {});
    ctx.body = { provider: pool.provider, results: await deps.recovery.verify(pool, await selectedIds(pool, ids)) };
  });

  router.post(`${base}/:provider/reset`, ...guard, async (ctx) => {
    const pool = poolOf(ctx, deps.pools());
    const { ids } = validateRequest(selectionSchema, ctx.request.body ?? {});
    const selected = await selectedIds(pool, ids);
    await pool.resetKeys(selected);
    ctx.body = { provider: pool.provider, reset: selected };
  });

  // gemini-balance compatible: valid and invalid keys with their failure counts.
  router.get('/v1/keys/list', ...guard, async (ctx) => {
    const validKeys: Record<string, number> = {};
    const invalidKeys: Record<string, number> = {};
    const providers: Record<string, { valid: number; cooling: number; invalid: number }> = {};
    for (const pool of deps.pools().values()) {
      const view = await describePool(pool, reveal(ctx));
      providers[pool.provider] = { valid: view.valid, cooling: view.cooling, invalid: view.invalid };
      for (const key of view.keys) {
        const name = key.key ?? key.id;
        if (key.status === 'invalid') invalidKeys[name] = key.failures;
        else validKeys[name] = key.failures;
      }
    }
    ctx.body = {
      status: 'success',
      data: { valid_keys: validKeys, invalid_keys: invalidKeys },
      total: Object.keys(validKeys).length + Object.keys(invalidKeys).length,
      providers,
    };
  });
}
