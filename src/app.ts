import cluster from 'node:cluster';
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
import type { LiveConfig } from './config/online/live-config.js';
import { methodNotAllowed, unknownRoute } from './core/errors.js';
import type { GatewayState } from './http/context.js';
import type { InFlightLimit } from './http/in-flight-limit.js';
import type { ServerLifecycle } from './http/lifecycle.js';
import { requireAdminToken, requireClientToken } from './http/middleware/auth.js';
import { GatewayApplication } from './http/gateway-application.js';
import { jsonBody } from './http/middleware/json-body.js';
import { requestContext } from './http/middleware/request-context.js';
import { ExactRoutes } from './http/exact-routes.js';
import { shedLoad } from './http/middleware/shed-load.js';
import { registerClientKeyRoutes } from './http/routes/client-keys.js';
import { registerConfigRoutes } from './http/routes/config.js';
import { registerConsoleRoutes } from './http/routes/console.js';
import type { ConsoleAsset } from './console/console-assets.js';
import type { ConsoleSessions } from './console/console-sessions.js';
import { registerGeminiFilesRoutes } from './http/routes/gemini-files.js';
import { registerGeminiNativeRoutes } from './http/routes/gemini-native.js';
import type { FileKeyAffinity } from './keys/file-affinity.js';
import { registerGeminiOpenAIRoutes } from './http/routes/gemini-openai.js';
import { registerAnthropicMessagesRoutes } from './http/routes/anthropic-messages.js';
import { registerModelsRoutes } from './http/routes/models.js';
import { registerOpenAIInferenceRoutes } from './http/routes/openai-inference.js';
import { urlNormalization } from './http/middleware/url-normalization.js';
import { registerImageFileRoutes, registerOpenAIMediaRoutes } from './http/routes/openai-media.js';
import { rawBytesBody } from './http/middleware/multipart-body.js';
import { LocalImageStore } from './media/image-store.js';
import { registerResponsesRoutes } from './http/routes/openai-responses.js';
import { registerServiceInfoRoutes } from './http/routes/service-info.js';
import { registerUpstreamKeyRoutes } from './http/routes/upstream-keys.js';
import { registerUsageRoutes } from './http/routes/usage.js';
import type { LogStore } from './logging/log-store.js';
import type { Logger } from './logging/logger.js';
import type { ConfiguredProvider } from './providers/registry.js';
import type { KeyRecovery } from './keys/key-recovery.js';
import type { StoreHealth } from './keys/open-pool-store.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { registerMetricsRoutes } from './http/routes/metrics.js';
import { metricsOfTheCluster } from './metrics/metrics-server.js';
import type { Dispatcher } from './routing/dispatcher.js';
import type { ModelCatalog } from './routing/model-catalog.js';
import type { ResponseStore } from './protocols/openai-responses/response-store.js';
import type { RoutingTable } from './routing/routing-table.js';

export interface AppDependencies {
  config: GatewayConfig;
  logger: Logger;
  lifecycle: ServerLifecycle;
  /** The bound on inference calls in flight in this process (load shedding). */
  inFlight: InFlightLimit;
  authenticator: Authenticator;
  /** The admin console's sign-in sessions, which also open the operator API and the playground's calls. */
  sessions: ConsoleSessions;
  /** The built console and playground (dist/ui), by URL path. */
  consoleAssets: ReadonlyMap<string, ConsoleAsset>;
  access: {
    clientKeys: ClientKeys;
    limits: LimitStore;
    meter: UsageMeter;
    report: UsageReport;
    logs: LogStore;
    clock: WindowClock;
  };
  /** The routing table in force (upstreams, pools, model groups, configured tokens); replaced when the config changes. */
  routing: { readonly table: RoutingTable };
  /** The routing config in force, and its online editing. */
  liveConfig: LiveConfig;
  dispatcher: Dispatcher;
  catalog: ModelCatalog;
  recovery: KeyRecovery;
  storeHealth: () => StoreHealth;
  /** The Prometheus metrics, when they are on. */
  metrics: GatewayMetrics | undefined;
  /** Which key each uploaded Gemini file lives under, and the uploads in progress. */
  fileAffinity: FileKeyAffinity;
  /** Responses of the Responses API kept for `previous_response_id` and `GET /v1/responses/{id}`. */
  responses: ResponseStore;
  /** Gemini's own OpenAI-compatible endpoint, when Gemini is configured at start (its native API follows the config). */
  geminiOpenAI: ConfiguredProvider | undefined;
  name: string;
  version: string;
}

/** Where OpenAI's routes are served: `/v1`, and gemini-balance's `/hf/v1` alias of it. */
const OPENAI_PREFIXES = ['/v1', '/hf/v1'] as const;

/** Composes the Koa application: middleware order and routes, nothing else. */
export function createApp(deps: AppDependencies): Koa<GatewayState> {
  const hops = deps.config.access.trustedProxyHops;
  // Behind trusted proxies the client's address (for throttling failed logins) comes from X-Forwarded-For.
  const app = new GatewayApplication({ proxy: hops > 0, maxIpsCount: hops });
  const router = new Router<GatewayState>();
  // The routes nearly all traffic takes are found by their exact path, ahead of the router (see ExactRoutes).
  const inferenceRouter = new ExactRoutes();

  registerServiceInfoRoutes(router, {
    name: deps.name,
    version: deps.version,
    openAccess: deps.authenticator.isOpen,
    routes: () => deps.routing.table,
    storeHealth: deps.storeHealth,
    lifecycle: deps.lifecycle,
    inFlight: deps.inFlight,
  });

  const byokProviders = new Set(deps.config.access.byokProviders);
  // The playground calls these with the console's session when the operator signed in there.
  const authenticated = [requireClientToken(deps.authenticator, false, { sessions: deps.sessions })];
  // Inference routes may meet a caller's own key for a BYOK provider; it is judged once the model is known.
  // An inference call is admitted within the in-flight limit before its (possibly large) body is read.
  const intake = [shedLoad(deps.inFlight), jsonBody({ maxBytes: deps.config.maxRequestBodyBytes, timeoutMs: deps.config.requestBodyTimeoutMs })];
  const adminBody = jsonBody({ maxBytes: deps.config.maxAdminBodyBytes, timeoutMs: deps.config.requestBodyTimeoutMs });
  const inferenceGuard = [requireClientToken(deps.authenticator, byokProviders.size > 0, { sessions: deps.sessions }), ...intake];
  const starter = new CallStarter({
    authenticator: deps.authenticator,
    meter: deps.access.meter,
    byokProviders,
    // The pool's live members: keys added or deleted at run time count, not only the configured ones.
    hasPoolKeys: async (provider: string) => ((await deps.routing.table.pools.get(provider)?.members())?.length ?? 0) > 0,
    logBodies: deps.config.usage.logRequestBodies,
  });
  const calls = { starter, dispatcher: deps.dispatcher, meter: deps.access.meter, pricing: () => deps.routing.table.pricing, observer: deps.metrics, affinity: deps.fileAffinity };
  const modelRouter = { router: { plan: (model: string, size: Parameters<RoutingTable['router']['plan']>[1]) => deps.routing.table.router.plan(model, size) } };
  const groupNames = () => deps.routing.table.groupNames;
  const images = new LocalImageStore(deps.config.generatedMedia.imageUploadDir, deps.config.generatedMedia.publicBaseUrl);
  const uploadGuard = [inferenceGuard[0]!, rawBytesBody(deps.config.maxRequestBodyBytes)];
  // gemini-balance's clients call OpenAI's routes under `/hf/v1` too: each router here is served under both prefixes.
  for (const prefix of OPENAI_PREFIXES) {
    registerOpenAIInferenceRoutes(inferenceRouter, inferenceGuard, calls, modelRouter, prefix);
    registerOpenAIMediaRoutes(router, { json: inferenceGuard, upload: uploadGuard }, calls, modelRouter, images, deps.config.tts, prefix);
    registerModelsRoutes(router, authenticated, deps.catalog, groupNames, prefix);
  }
  registerImageFileRoutes(router, images);
  registerResponsesRoutes({ inference: inferenceRouter, other: router }, { authenticated, inference: inferenceGuard }, calls, modelRouter, deps.responses);
  registerAnthropicMessagesRoutes(
    inferenceRouter,
    { ...calls, authenticator: deps.authenticator, acceptUnknownTokens: byokProviders.size > 0, maxBodyBytes: deps.config.maxRequestBodyBytes, intake, logger: deps.logger },
    modelRouter,
  );
  const gemini = () => deps.routing.table.providers.find((target) => target.settings.kind === 'gemini');
  registerGeminiFilesRoutes(router, {
    gemini,
    dispatcher: deps.dispatcher,
    affinity: deps.fileAffinity,
    authenticator: deps.authenticator,
    maxBodyBytes: deps.config.maxRequestBodyBytes,
    logger: deps.logger,
  });
  const native = { ...calls, authenticator: deps.authenticator, maxBodyBytes: deps.config.maxRequestBodyBytes, intake, logger: deps.logger };
  // Only the environment's providers take callers' own keys; they are named by their kind.
  registerGeminiNativeRoutes(router, { prefix: '(?:/gemini)?/v1beta', provider: gemini, name: 'Gemini', models: gemini, modelsName: 'Gemini', byok: byokProviders.has('gemini') }, native);
  // Vertex express has no model list: gemini-balance lists Gemini's there, and so does this.
  const vertexExpress = () => deps.routing.table.providers.find((target) => target.settings.kind === 'vertex-express');
  registerGeminiNativeRoutes(router, { prefix: '/vertex-express/v1beta', provider: vertexExpress, name: 'Vertex AI express mode', models: gemini, modelsName: 'Gemini (whose model list is served here)', byok: byokProviders.has('vertex-express') }, native);
  if (deps.geminiOpenAI) registerGeminiOpenAIRoutes(router, { authenticated, inference: inferenceGuard }, deps.geminiOpenAI, calls);
  const admin = [requireAdminToken(deps.authenticator, deps.sessions), adminBody];
  registerConsoleRoutes(router, admin, {
    authenticator: deps.authenticator,
    sessions: deps.sessions,
    report: deps.access.report,
    assets: deps.consoleAssets,
    bodyGuard: adminBody,
  });
  registerUpstreamKeyRoutes(router, admin, { pools: () => deps.routing.table.pools, recovery: deps.recovery });
  registerConfigRoutes(router, admin, deps.liveConfig);
  registerClientKeyRoutes(router, admin, { clientKeys: deps.access.clientKeys, limits: deps.access.limits, clock: deps.access.clock });
  // Under WORKERS the main port's `/metrics` gives the cluster's sums (asked of the primary), as METRICS_PORT does.
  const metricsText = deps.metrics && cluster.isWorker ? metricsOfTheCluster(deps.metrics) : deps.metrics;
  registerMetricsRoutes(router, { metrics: metricsText, token: deps.config.metrics.token, authenticator: deps.authenticator });
  registerUsageRoutes(router, admin, { report: deps.access.report, logs: deps.access.logs, timeZone: deps.config.usage.timeZone });

  app.use(requestContext(deps.logger, deps.lifecycle, { cors: deps.config.cors, maxBodyBytes: deps.config.maxRequestBodyBytes }));
  if (deps.config.urlNormalization) app.use(urlNormalization());
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
