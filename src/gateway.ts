import { readFileSync } from 'node:fs';
import type Koa from 'koa';
import { AuthThrottle } from './access/identity/auth-throttle.js';
import { Authenticator } from './access/identity/authenticator.js';
import { ClientKeys } from './access/client-keys/client-key-service.js';
import { openAccessStores } from './access/access-stores.js';
import { WindowClock } from './access/limits/time-windows.js';
import { TokenVerifier } from './access/identity/token-verifier.js';
import { UsageMeter } from './access/metering/usage-meter.js';
import { UsageReport } from './access/stats/usage-report.js';
import { createApp } from './app.js';
import type { GatewayConfig } from './config/load.js';
import type { GatewayState } from './http/context.js';
import { ServerLifecycle } from './http/lifecycle.js';
import { KeyPool } from './keys/key-pool.js';
import { KeyRecovery } from './keys/key-recovery.js';
import { openPoolStore } from './keys/open-pool-store.js';
import type { KeyPolicy } from './keys/outcome.js';
import { KeyRateLimits } from './keys/rate-limits.js';
import type { Logger } from './logging/logger.js';
import { geminiOpenAIDefinition } from './providers/gemini/openai-definition.js';
import type { OwnHttpSettings } from './providers/definition.js';
import { createProviders } from './providers/registry.js';
import { Dispatcher } from './routing/dispatcher.js';
import { createKeyProbe } from './routing/key-probe.js';
import { ModelCatalog } from './routing/model-catalog.js';
import { createGroupRouting } from './routing/groups/group-routing.js';
import { ModelResolver } from './routing/model-resolver.js';
import { UpstreamHttp } from './upstream/http-client.js';
import { ProxySelector } from './upstream/proxy/selection.js';
import { createMediaFetcher } from './upstream/media-fetcher.js';

interface PackageInfo {
  name: string;
  version: string;
}

const packageInfo = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageInfo;

export interface Gateway {
  app: Koa<GatewayState>;
  lifecycle: ServerLifecycle;
  recovery: KeyRecovery;
  /** Stops background work and releases connections; call after the HTTP server has closed. */
  close(): Promise<void>;
}

/** Builds the gateway's parts from a validated configuration and wires them into the Koa app. */
export async function createGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  const proxies = new ProxySelector(config.proxies);
  const http = new UpstreamHttp(config.upstreamTimeoutMs, { proxies });
  const fetchMedia = createMediaFetcher({
    maxBytes: config.media.maxBytes,
    timeoutMs: config.media.timeoutMs,
    allowPrivateAddresses: config.media.allowPrivateNetworks,
  });
  const extraClients: UpstreamHttp[] = [];
  const createHttp = (timeoutMs: number, { proxy, headers }: OwnHttpSettings = {}) => {
    const client = new UpstreamHttp(timeoutMs, { proxies: proxy === undefined ? proxies : new ProxySelector(config.proxies, proxy), headers });
    extraClients.push(client);
    return client;
  };
  const providerDependencies = { http, createHttp, fetchMedia, config };
  const providers = createProviders(config.providers, providerDependencies);
  const resolver = new ModelResolver(providers);
  const opened = await openPoolStore(config.keyPools, logger);
  const policy: KeyPolicy = {
    maxFailures: config.keyPools.maxFailures,
    rateLimitCooldownMs: config.keyPools.rateLimitCooldownMs,
    quotaCooldownMs: config.keyPools.quotaCooldownMs,
    transientRestMs: config.keyPools.transientRestMs,
  };
  const limits =
    Object.keys(config.keyPools.keyLimits).length === 0
      ? undefined
      : new KeyRateLimits(
          config.keyPools.keyLimits,
          logger,
          config.keyPools.redisUrl === undefined ? undefined : { url: config.keyPools.redisUrl, prefix: config.keyPools.redisKeyPrefix, available: opened.available },
        );
  const pools = new Map(
    providers.map((target) => {
      const { id, apiKeys } = target.settings;
      const availability = limits?.applies(id) ? { isFull: limits.isFull.bind(limits), maxWaitMs: config.keyPools.rateLimitMaxWaitMs } : undefined;
      const keyless = target.definition.allowsKeyless === true && apiKeys.length === 0;
      return [id, new KeyPool(id, opened.store, apiKeys, keyless, logger, availability)] as const;
    }),
  );
  await Promise.all([...pools.values()].map((pool) => pool.init()));
  const recovery = new KeyRecovery(pools, opened.store, createKeyProbe(providers, resolver, config.keyPools.testModel), policy, config.keyPools.checkIntervalMs, logger);
  recovery.start();
  const dispatcher = new Dispatcher(
    pools,
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
  const catalog = new ModelCatalog(providers, resolver, dispatcher, config.modelsCacheMs, logger);
  for (const warning of config.routing?.warnings ?? []) logger.warn({ file: config.routing!.path }, `config file: ${warning}`);
  const groups = config.routing && createGroupRouting(config.routing, providers, resolver, { redisUrl: config.keyPools.redisUrl, prefix: config.keyPools.redisKeyPrefix }, logger);
  const gemini = providers.find((target) => target.settings.kind === 'gemini');
  const lifecycle = new ServerLifecycle();
  const routedTokens = new Map(
    (config.routing?.config.tokens ?? []).map((entry) => [
      entry.token,
      { name: entry.name, routes: { defaultModel: entry.default_model, modelMap: entry.model_map, allowedGroups: entry.allowed_groups } },
    ]),
  );
  const tokens = new TokenVerifier(config.auth.clientTokens, config.auth.adminToken, routedTokens);
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
    // A call cannot outlive the upstream timeout; the margin covers writing its answer out.
    staleAfterMs: config.upstreamTimeoutMs + 60_000,
  });
  const clientKeyNames = async () => new Map((await clientKeys.list()).map((key) => [key.id, key.name]));
  const app = createApp({
    config,
    logger,
    lifecycle,
    authenticator,
    access: { clientKeys, limits: stores.limits, meter, report: new UsageReport(stores.stats, clock, clientKeyNames), logs: stores.logs, clock },
    providers,
    resolver,
    groups: groups?.router,
    dispatcher,
    catalog,
    pools,
    recovery,
    storeHealth: opened.health,
    gemini: gemini && {
      native: gemini,
      // Gemini's own OpenAI-compatible endpoint, on the same key pool.
      openaiCompatible: {
        settings: gemini.settings,
        definition: geminiOpenAIDefinition,
        provider: geminiOpenAIDefinition.create(gemini.settings, providerDependencies),
      },
    },
    name: packageInfo.name,
    version: packageInfo.version,
  });
  return {
    app,
    lifecycle,
    recovery,
    close: async () => {
      recovery.stop();
      await groups?.close();
      await meter.close();
      stores.close();
      await limits?.close();
      await opened.store.close();
      await Promise.all(providers.map((target) => target.provider.close?.()));
      http.close();
      for (const client of extraClients) client.close();
    },
  };
}
