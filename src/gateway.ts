import { openResponseStore } from './protocols/openai-responses/open-response-store.js';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type Koa from 'koa';
import { AuthThrottle } from './access/identity/auth-throttle.js';
import { Authenticator, type ConfiguredTokens } from './access/identity/authenticator.js';
import { ClientKeys } from './access/client-keys/client-key-service.js';
import { openAccessStores } from './access/access-stores.js';
import { WindowClock } from './access/limits/time-windows.js';
import { UsageMeter } from './access/metering/usage-meter.js';
import { UsageReport } from './access/stats/usage-report.js';
import { createApp } from './app.js';
import { loadConsoleAssets } from './console/console-assets.js';
import { ConsoleSessions } from './console/console-sessions.js';
import type { GatewayConfig } from './config/load.js';
import { FileConfigHistory } from './config/online/file-config-history.js';
import { LiveConfig } from './config/online/live-config.js';
import { RedisConfigHistory } from './config/online/redis-config-history.js';
import type { GatewayState } from './http/context.js';
import { InFlightLimit } from './http/in-flight-limit.js';
import { ServerLifecycle } from './http/lifecycle.js';
import { KeyPools } from './keys/key-pools.js';
import { FileKeyAffinity } from './keys/file-affinity.js';
import { openKeyAffinityStore } from './keys/key-affinity-store.js';
import { KeyRecovery } from './keys/key-recovery.js';
import { openPoolStore } from './keys/open-pool-store.js';
import type { KeyPolicy } from './keys/outcome.js';
import { KeyRateLimits } from './keys/rate-limits.js';
import type { Logger } from './logging/logger.js';
import { geminiOpenAIDefinition } from './providers/gemini/openai-definition.js';
import type { OwnHttpSettings } from './providers/definition.js';
import { createProvider, createProviders } from './providers/registry.js';
import { Dispatcher } from './routing/dispatcher.js';
import { createKeyProbe } from './routing/key-probe.js';
import { ModelCatalog } from './routing/model-catalog.js';
import { createGroupBoard, type GroupBoard } from './routing/groups/group-routing.js';
import { type RoutingTable, RoutingTables } from './routing/routing-table.js';
import { UpstreamHttp } from './upstream/http-client.js';
import { ProxySelector } from './upstream/proxy/selection.js';
import { createMediaFetcher } from './upstream/media-fetcher.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { listenForMetrics } from './metrics/metrics-server.js';

interface PackageInfo {
  name: string;
  version: string;
}

const packageInfo = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageInfo;

/** With Redis, how often an instance looks at the latest config revision, in case it missed a published one. */
const CONFIG_POLL_MS = 5_000;

export interface Gateway {
  app: Koa<GatewayState>;
  lifecycle: ServerLifecycle;
  /** Inference calls in flight in this process, their bound, and how many were shed. */
  inFlight: InFlightLimit;
  recovery: KeyRecovery;
  /** The Prometheus metrics, when METRICS_TOKEN or METRICS_PORT turns them on. */
  metrics: GatewayMetrics | undefined;
  /** Starts serving `/metrics` on METRICS_PORT when it is set; resolves with the port it listens on. */
  serveMetricsPort(): Promise<number | undefined>;
  /** Reads the config file again now (SIGHUP), as its watcher would on a change. */
  reloadConfig(): Promise<void>;
  /** Writes the usage and log records the meter holds now, instead of at its next batch. */
  flushUsage(): Promise<void>;
  /** Stops background work and releases connections; call after the HTTP server has closed. */
  close(): Promise<void>;
}

/** Builds the gateway's parts from a validated configuration and wires them into the Koa app. */
export async function createGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  for (const warning of config.warnings) logger.warn(warning);
  const proxies = new ProxySelector(config.proxies);
  const http = new UpstreamHttp(config.upstreamTimeoutMs, { proxies });
  const fetchMedia = createMediaFetcher({
    maxBytes: config.media.maxBytes,
    timeoutMs: config.media.timeoutMs,
    allowPrivateAddresses: config.media.allowPrivateNetworks,
  });
  const ownHttp = (timeoutMs: number, { proxy, headers }: OwnHttpSettings = {}) =>
    new UpstreamHttp(timeoutMs, { proxies: proxy === undefined ? proxies : new ProxySelector(config.proxies, proxy), headers });
  const extraClients: UpstreamHttp[] = [];
  const createHttp = (timeoutMs: number, own?: OwnHttpSettings) => {
    const client = ownHttp(timeoutMs, own);
    extraClients.push(client);
    return client;
  };
  const providerDependencies = { http, createHttp, fetchMedia, config };
  const envProviders = createProviders(config.providers, providerDependencies);
  const opened = await openPoolStore(config.keyPools, logger);
  const policy: KeyPolicy = {
    maxFailures: config.keyPools.maxFailures,
    rateLimitCooldownMs: config.keyPools.rateLimitCooldownMs,
    quotaCooldownMs: config.keyPools.quotaCooldownMs,
    transientRestMs: config.keyPools.transientRestMs,
  };
  const redisUrl = config.keyPools.redisUrl;
  const limits = new KeyRateLimits({}, logger, redisUrl === undefined ? undefined : { url: redisUrl, prefix: config.keyPools.redisKeyPrefix, available: opened.available });
  // The routing table is read when scraped, by then it is in force.
  const metrics =
    config.metrics.token !== undefined || config.metrics.port !== undefined
      ? new GatewayMetrics({ pools: () => routing.table.pools, storeHealth: opened.health })
      : undefined;
  const keyPools = new KeyPools(opened.store, logger, metrics);
  let board: GroupBoard | undefined;
  // A call cannot outlive the upstream timeout; the margin covers writing its answer out.
  const drainMs = config.upstreamTimeoutMs + 60_000;
  const tables = new RoutingTables({
    envProviders,
    createProvider: (settings, track) =>
      createProvider(settings, {
        ...providerDependencies,
        createHttp: (timeoutMs, own) => {
          const client = ownHttp(timeoutMs, own);
          track(client);
          return client;
        },
      }),
    envKeyLimits: config.keyPools.keyLimits,
    pools: keyPools,
    limits,
    rateLimitMaxWaitMs: config.keyPools.rateLimitMaxWaitMs,
    board: () => (board ??= createGroupBoard({ redisUrl, prefix: config.keyPools.redisKeyPrefix }, logger)).board,
    auth: config.auth,
    drainMs,
    exchangeRates: config.cost.exchangeRates,
    logger,
  });
  // The routing table in force: swapped whole when the config changes (calls keep the plan they were routed with).
  const routing = { table: undefined as unknown as RoutingTable };
  const history = redisUrl === undefined ? new FileConfigHistory(config.onlineConfigFile) : new RedisConfigHistory(redisUrl, config.keyPools.redisKeyPrefix);
  const liveConfig = await LiveConfig.start({
    history,
    filePath: config.configFilePath,
    startFile: config.routing,
    context: config.routingContext,
    apply: async (file) => {
      routing.table = await tables.build(file);
      for (const warning of file?.warnings ?? []) logger.warn({ file: file?.path ?? null }, `${file?.path === undefined ? 'online config' : 'config file'}: ${warning}`);
    },
    logger,
    watchMs: config.configWatchMs,
    pollMs: CONFIG_POLL_MS,
  });
  const recovery = new KeyRecovery(
    { values: () => routing.table.pools.values() },
    opened.store,
    createKeyProbe(() => routing.table, config.keyPools.testModel),
    policy,
    config.keyPools.checkIntervalMs,
    logger,
  );
  recovery.start();
  const dispatcher = new Dispatcher(
    keyPools,
    {
      ...policy,
      maxAttempts: config.keyPools.maxAttempts,
      deadlineMs: config.upstreamTimeoutMs,
      rateLimitMaxWaitMs: config.keyPools.rateLimitMaxWaitMs,
      nextRecoveryCheck: () => recovery.nextCheckAt(),
    },
    logger,
    limits,
  );
  const catalog = new ModelCatalog(() => routing.table, dispatcher, config.modelsCacheMs, logger);
  // Gemini's OpenAI-compatible endpoint is built once, on the Gemini provider there is at start.
  const gemini = routing.table.providers.find((target) => target.settings.kind === 'gemini');
  const lifecycle = new ServerLifecycle();
  const inFlight = new InFlightLimit(config.load.maxInFlight, config.load.maxQueueWaitMs);
  const tokens: ConfiguredTokens = {
    get isOpen() {
      return routing.table.tokens.isOpen;
    },
    get hasAdmin() {
      return routing.table.tokens.hasAdmin;
    },
    verify: (token) => routing.table.tokens.verify(token),
  };
  const stores = await openAccessStores(config);
  const clock = new WindowClock(config.usage.timeZone);
  const clientKeys = new ClientKeys(stores.clientKeys, stores.limits);
  const authenticator = new Authenticator(tokens, clientKeys, new AuthThrottle(config.access.maxAuthFailures, config.access.lockoutMs));
  const meter = new UsageMeter({
    limits: stores.limits,
    stats: stores.stats,
    logs: stores.logs,
    clock,
    logger,
    staleAfterMs: drainMs,
    ...(metrics ? { refusals: metrics } : {}),
  });
  const responses = openResponseStore(config, logger);
  const affinityStore = openKeyAffinityStore({ url: redisUrl, prefix: config.keyPools.redisKeyPrefix }, logger);
  const clientKeyNames = async () => new Map((await clientKeys.list()).map((key) => [key.id, key.name]));
  const app = createApp({
    config,
    logger,
    lifecycle,
    inFlight,
    authenticator,
    sessions: new ConsoleSessions(stores.sessions, config.access.consoleSessionMs),
    consoleAssets: loadConsoleAssets(),
    access: { clientKeys, limits: stores.limits, meter, report: new UsageReport(stores.stats, clock, clientKeyNames), logs: stores.logs, clock },
    routing,
    liveConfig,
    dispatcher,
    catalog,
    recovery,
    storeHealth: opened.health,
    metrics,
    responses,
    fileAffinity: new FileKeyAffinity(affinityStore),
    // Gemini's own OpenAI-compatible endpoint, on the same key pool.
    geminiOpenAI: gemini && { settings: gemini.settings, definition: geminiOpenAIDefinition, provider: geminiOpenAIDefinition.create(gemini.settings, providerDependencies) },
    name: packageInfo.name,
    version: packageInfo.version,
  });
  let metricsServer: Server | undefined;
  return {
    app,
    lifecycle,
    inFlight,
    recovery,
    metrics,
    serveMetricsPort: async () => {
      if (!metrics || config.metrics.port === undefined) return undefined;
      const listening = await listenForMetrics(metrics, config.metrics.port, config.metrics.host);
      metricsServer = listening.server;
      return listening.port;
    },
    reloadConfig: () => liveConfig.reloadFile(),
    flushUsage: () => meter.flush(),
    close: async () => {
      metricsServer?.close();
      recovery.stop();
      await liveConfig.close();
      await board?.close();
      await meter.close();
      stores.close();
      responses.close();
      affinityStore.close();
      await limits.close();
      await opened.store.close();
      await Promise.all(envProviders.map((target) => target.provider.close?.()));
      tables.close();
      http.close();
      for (const client of extraClients) client.close();
    },
  };
}
