import { nanoToUsd } from '../../core/money.js';
import type Router from '@koa/router';
import { type ClientKeys, clientKeyView } from '../../access/client-keys/client-key-service.js';
import type { LimitStore } from '../../access/limits/limit-store.js';
import type { WindowClock } from '../../access/limits/time-windows.js';
import type { GatewayMiddleware, GatewayState } from '../context.js';

export interface ClientKeyRouteDependencies {
  clientKeys: ClientKeys;
  limits: LimitStore;
  clock: WindowClock;
}

/**
 * Operator endpoints for client keys under /admin/api/client-keys (admin token only). The secret is in the
 * creation answer and nowhere else.
 */
export function registerClientKeyRoutes(router: Router<GatewayState>, guard: GatewayMiddleware[], deps: ClientKeyRouteDependencies): void {
  const base = '/admin/api/client-keys';
  const id = (params: Record<string, string>) => String(params.id);

  router.get(base, ...guard, async (ctx) => {
    const now = Date.now();
    ctx.body = { object: 'list', data: (await deps.clientKeys.list()).map((key) => clientKeyView(key, now)) };
  });

  router.post(base, ...guard, async (ctx) => {
    const { key, secret } = await deps.clientKeys.create(ctx.request.body);
    ctx.status = 201;
    ctx.body = { ...clientKeyView(key, Date.now()), key: secret };
  });

  router.get(`${base}/:id`, ...guard, async (ctx) => {
    const key = await deps.clientKeys.get(id(ctx.params));
    const counters = await deps.limits.counters(key.id, deps.clock.windows());
    ctx.body = {
      ...clientKeyView(key, Date.now()),
      usage: {
        requests_this_minute: counters.requestsThisMinute,
        tokens_this_minute: counters.tokensThisMinute,
        requests_today: counters.requestsToday,
        tokens_today: counters.tokensToday,
        requests_this_month: counters.requestsThisMonth,
        tokens_this_month: counters.tokensThisMonth,
        requests_total: counters.requestsTotal,
        tokens_total: counters.tokensTotal,
        usd_today: nanoToUsd(counters.costToday),
        usd_this_month: nanoToUsd(counters.costThisMonth),
        usd_total: nanoToUsd(counters.costTotal),
        in_flight: counters.inFlight,
        usd_reserved: nanoToUsd(counters.reserved),
      },
    };
  });

  router.patch(`${base}/:id`, ...guard, async (ctx) => {
    ctx.body = clientKeyView(await deps.clientKeys.update(id(ctx.params), ctx.request.body ?? {}), Date.now());
  });

  router.post(`${base}/:id/disable`, ...guard, async (ctx) => {
    ctx.body = clientKeyView(await deps.clientKeys.setDisabled(id(ctx.params), true), Date.now());
  });

  router.post(`${base}/:id/enable`, ...guard, async (ctx) => {
    ctx.body = clientKeyView(await deps.clientKeys.setDisabled(id(ctx.params), false), Date.now());
  });

  router.delete(`${base}/:id`, ...guard, async (ctx) => {
    const key = await deps.clientKeys.delete(id(ctx.params));
    ctx.body = { id: key.id, object: 'client_key', deleted: true };
  });
}
