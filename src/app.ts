import Router from '@koa/router';
import Koa from 'koa';
import type { Authenticator } from './access/identity/authenticator.js';
import type { ClientKeys } from './access/client-keys/client-key-service.js';
import type { LimitStore } from './access/limits/limit-store.js';
import type { WindowClock } from './access/limits/time-windows.js';
import type { UsageMeter } from './access/metering/usage-meter.js';
import type { UsageReport } from './access/stats/usage-report.js';
import { CallStarter } from './calls/start-call.js';
import type { GatewayConfig } from './config/load.js';
import { methodNotAllowed, unknownRoute } from './core/errors.js';
import { isGlob } from './core/glob.js';
import type { GatewayState } from './http/context.js';
import type { ServerLifecycle } from './http/lifecycle.js';
import { requireAdminToken, requireClientToken } from './http/middleware/auth.js';
import { cors } from './http/middleware/cors.js';
import { errorHandler } from './http/middleware/error-handler.js';
import { jsonBody } from './http/middleware/json-body.js';
import { requestContext } from './http/middleware/request-context.js';
import { registerClientKeyRoutes } from './http/routes/client-keys.js';
import { registerGeminiNativeRoutes } from './http/routes/gemini-native.js';
import { registerGeminiOpenAIRoutes } from './http/routes/gemini-openai.js';
import { registerModelsRoutes } from './http/routes/models.js';
import { registerOpenAIInferenceRoutes } from './http/routes/openai-inference.js';
import { registerServiceInfoRoutes } from './http/routes/service-info.js';
import { registerUpstreamKeyRoutes } from './http/routes/upstream-keys.js';
import { registerUsageRoutes } from './http/routes/usage.js';
import type { LogStore } from './logging/log-store.js';
import type { Logger } from './logging/logger.js';
import type { ConfiguredProvider } from './providers/registry.js';
import type { KeyPool } from './keys/key-pool.js';
import type { KeyRecovery } from './keys/key-recovery.js';
import type { StoreHealth } from './keys/open-pool-store.js';
import type { Dispatcher } from './routing/dispatcher.js';
import type { ModelCatalog } from './routing/model-catalog.js';
import type { GroupRouter } from './routing/groups/group-router.js';
import type { ModelResolver } from './routing/model-resolver.js';

export interface AppDependencies {
  config: GatewayConfig;
  logger: Logger;
  lifecycle: ServerLifecycle;
  authenticator: Authenticator;
  access: {
    clientKeys: ClientKeys;
    limits: LimitStore;
    meter: UsageMeter;
    report: UsageReport;
    logs: LogStore;
    clock: WindowClock;
  };
  providers: readonly ConfiguredProvider[];
  resolver: ModelResolver;
  /** The config file's model groups, in front of the resolver; undefined without a config file. */
  groups: GroupRouter | undefined;
  dispatcher: Dispatcher;
  catalog: ModelCatalog;
  pools: ReadonlyMap<string, KeyPool>;
  recovery: KeyRecovery;
  storeHealth: () => StoreHealth;
  /** Gemini's native API and its own OpenAI-compatible endpoint, when Gemini is configured. */
  gemini: { native: ConfiguredProvider; openaiCompatible: ConfiguredProvider } | undefined;
  name: string;
  version: string;
}

/** Composes the Koa application: middleware order and routes, nothing else. */
export function createApp(deps: AppDependencies): Koa<GatewayState> {
  const hops = deps.config.access.trustedProxyHops;
  // Behind trusted proxies the client's address (for throttling failed logins) comes from X-Forwarded-For.
  const app = new Koa<GatewayState>({ proxy: hops > 0, maxIpsCount: hops });
  const router = new Router<GatewayState>();
  // A router tests every route it holds against each request; the two routes nearly all traffic takes get a
  // router of their own, ahead of the rest.
  const inferenceRouter = new Router<GatewayState>();

  registerServiceInfoRoutes(router, {
    name: deps.name,
    version: deps.version,
    openAccess: deps.authenticator.isOpen,
    providers: deps.providers,
    pools: deps.pools,
    storeHealth: deps.storeHealth,
    lifecycle: deps.lifecycle,
  });

  const byokProviders = new Set(deps.config.access.byokProviders);
  const authenticated = [requireClientToken(deps.authenticator)];
  // Inference routes may meet a caller's own key for a BYOK provider; it is judged once the model is known.
  const inferenceGuard = [requireClientToken(deps.authenticator, byokProviders.size > 0), jsonBody(deps.config.maxRequestBodyBytes)];
  const starter = new CallStarter({
    authenticator: deps.authenticator,
    meter: deps.access.meter,
    byokProviders,
    hasPoolKeys: (provider: string) => (deps.config.providers.find((settings) => settings.id === provider)?.apiKeys.length ?? 0) > 0,
    logBodies: deps.config.usage.logRequestBodies,
  });
  const calls = { starter, dispatcher: deps.dispatcher, meter: deps.access.meter, routing: deps.groups };
  registerOpenAIInferenceRoutes(inferenceRouter, inferenceGuard, calls, { router: deps.groups ?? deps.resolver });
  const groupNames = deps.groups ? [...deps.groups.groups()].map((group) => group.name).filter((name) => !isGlob(name)) : [];
  registerModelsRoutes(router, authenticated, deps.catalog, () => groupNames);
  const gemini = deps.gemini;
  registerGeminiNativeRoutes(router, {
    ...calls,
    gemini: gemini?.native,
    authenticator: deps.authenticator,
    byok: gemini !== undefined && byokProviders.has(gemini.native.settings.id),
    maxBodyBytes: deps.config.maxRequestBodyBytes,
    logger: deps.logger,
  });
  if (gemini) registerGeminiOpenAIRoutes(router, { authenticated, inference: inferenceGuard }, gemini.openaiCompatible, calls);
  const admin = [requireAdminToken(deps.authenticator), jsonBody(deps.config.maxRequestBodyBytes)];
  registerUpstreamKeyRoutes(router, admin, { pools: deps.pools, recovery: deps.recovery });
  registerClientKeyRoutes(router, admin, { clientKeys: deps.access.clientKeys, limits: deps.access.limits, clock: deps.access.clock });
  registerUsageRoutes(router, admin, { report: deps.access.report, logs: deps.access.logs, timeZone: deps.config.usage.timeZone });

  app.use(requestContext(deps.logger, deps.lifecycle));
  app.use(errorHandler(deps.logger, deps.config.maxRequestBodyBytes));
  app.use(cors(deps.config.cors));
  app.use(inferenceRouter.routes());
  app.use(router.routes());
  app.use(async (ctx) => {
    // The router records the routes whose path matched; if there are some, only the method was wrong.
    const matched = (ctx as typeof ctx & { matched?: { methods: string[] }[] }).matched ?? [];
    const allowed = [...new Set(matched.flatMap((layer) => layer.methods))];
    if (allowed.length > 0) throw methodNotAllowed(ctx.method, ctx.path, allowed.join(', '));
    throw unknownRoute(ctx.method, ctx.path);
  });
  return app;
}
