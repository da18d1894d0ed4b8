import type { RoutedToken } from '../access/identity/token-verifier.js';
import { TokenVerifier } from '../access/identity/token-verifier.js';
import type { ProviderSettings, RoutingFile } from '../config/load.js';
import { TablePricing } from '../calls/table-pricing.js';
import { isGlob } from '../core/glob.js';
import { PriceTable, SHIPPED_PRICES, type ExchangeRates } from '../cost/index.js';
import type { KeyPool } from '../keys/key-pool.js';
import type { KeyPools } from '../keys/key-pools.js';
import type { KeyLimit, KeyRateLimits } from '../keys/rate-limits.js';
import type { Logger } from '../logging/logger.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import type { ModelRouter } from '../calls/start-call.js';
import { modelGroupsOf, toFallbacks } from './groups/from-config.js';
import { GroupRouter } from './groups/group-router.js';
import { StrategyState } from './groups/strategies.js';
import type { TargetBoard } from './groups/target-board.js';
import { ModelResolver } from './model-resolver.js';

/**
 * Everything the routing config decides, as one value: the upstreams (the environment's and the config's), their
 * key pools, the model groups in front of them, and the configured tokens with their routes. A reload builds a new
 * table and swaps it in; a call keeps the plan it was routed with, so calls in flight finish on the old one.
 */
export interface RoutingTable {
  readonly routing: RoutingFile | undefined;
  readonly providers: readonly ConfiguredProvider[];
  readonly resolver: ModelResolver;
  /** The config's model groups; undefined when it has none. */
  readonly groups: GroupRouter | undefined;
  /** Where a model name goes: its group, or its provider route. */
  readonly router: ModelRouter;
  /** The groups' names, globs left out (what `/v1/models` lists). */
  readonly groupNames: readonly string[];
  readonly tokens: TokenVerifier;
  /** The pools of this table's providers. */
  readonly pools: ReadonlyMap<string, KeyPool>;
  /** The shipped prices with the config's over them. */
  readonly pricing: TablePricing;
}

export interface RoutingTableParts {
  /** Providers from the environment: built once, the same in every table. */
  envProviders: readonly ConfiguredProvider[];
  /** Builds a config upstream's provider; `track` is told of each HTTP client made for it (closed when retired). */
  createProvider(settings: ProviderSettings, track: (client: { close(): void }) => void): ConfiguredProvider;
  envKeyLimits: Readonly<Record<string, KeyLimit>>;
  pools: KeyPools;
  limits: KeyRateLimits;
  rateLimitMaxWaitMs: number;
  /** The groups' shared routing state (made when a table first has groups). */
  board(): TargetBoard;
  auth: { clientTokens: readonly string[]; adminToken: string | undefined };
  /** How long a call routed on a table may still run after it is replaced. */
  drainMs: number;
  /** The rates prices written in CNY are converted at, once per table. */
  exchangeRates: ExchangeRates;
  logger: Logger;
}

interface BuiltUpstream {
  provider: ConfiguredProvider;
  signature: string;
  clients: { close(): void }[];
}

/**
 * Builds routing tables, reusing what did not change from one to the next: an upstream whose settings are the
 * same keeps its provider (and its connections), a pool whose keys are the same keeps its pool, and the groups'
 * rotation carries on.
 */
export class RoutingTables {
  private upstreams = new Map<string, BuiltUpstream>();
  private readonly strategyState = new StrategyState();

  constructor(private readonly parts: RoutingTableParts) {}

  /** A table for `routing`; throws (nothing swapped, nothing closed) if an upstream cannot be built. */
  async build(routing: RoutingFile | undefined): Promise<RoutingTable> {
    const { parts } = this;
    const upstreams = new Map<string, BuiltUpstream>();
    for (const settings of routing?.upstreams ?? []) {
      const signature = JSON.stringify(settings);
      const known = this.upstreams.get(settings.id);
      if (known?.signature === signature) {
        upstreams.set(settings.id, known);
        continue;
      }
      const clients: { close(): void }[] = [];
      upstreams.set(settings.id, { provider: parts.createProvider(settings, (client) => clients.push(client)), signature, clients });
    }
    const providers = [...parts.envProviders, ...[...upstreams.values()].map((upstream) => upstream.provider)];
    const keyLimits = { ...parts.envKeyLimits, ...routing?.keyLimits };
    parts.limits.update(keyLimits, parts.drainMs);
    const pools = new Map<string, KeyPool>();
    for (const { settings, definition } of providers) {
      const limited = keyLimits[settings.id] !== undefined;
      const pool = await parts.pools.poolFor({
        provider: settings.id,
        apiKeys: settings.apiKeys,
        paidKey: settings.paidKey,
        keyless: definition.allowsKeyless === true && settings.apiKeys.length === 0,
        availability: limited ? { isFull: parts.limits.isFull.bind(parts.limits), maxWaitMs: parts.rateLimitMaxWaitMs } : undefined,
      });
      pools.set(settings.id, pool);
    }
    const resolver = new ModelResolver(providers);
    const pricing = new TablePricing(PriceTable.merge(SHIPPED_PRICES, routing?.config.prices ?? {}, parts.exchangeRates));
    const groups =
      routing && Object.keys(routing.config.routes).length > 0
        ? new GroupRouter(
            modelGroupsOf(routing.config, providers),
            toFallbacks(routing.config.fallbacks),
            resolver,
            parts.board(),
            this.strategyState,
            Math.random,
            (route, size) => pricing.estimate(route, size),
          )
        : undefined;
    const table: RoutingTable = {
      routing,
      providers,
      resolver,
      groups,
      router: groups ?? resolver,
      groupNames: groups ? [...groups.groups()].map((group) => group.name).filter((name) => !isGlob(name)) : [],
      tokens: tokenVerifier(parts.auth, routing),
      pools,
      pricing,
    };
    this.retire(upstreams);
    return table;
  }

  /** Closes the connections of upstreams the new table changed or dropped, once calls routed on them are over. */
  private retire(next: Map<string, BuiltUpstream>): void {
    const retired = [...this.upstreams.values()].filter((upstream) => next.get(upstream.provider.settings.id) !== upstream);
    this.upstreams = next;
    if (retired.length === 0) return;
    setTimeout(() => {
      for (const upstream of retired) {
        void upstream.provider.provider.close?.();
        for (const client of upstream.clients) client.close();
      }
    }, this.parts.drainMs).unref();
  }

  /** Closes every upstream the tables built. */
  close(): void {
    for (const upstream of this.upstreams.values()) {
      void upstream.provider.provider.close?.();
      for (const client of upstream.clients) client.close();
    }
    this.upstreams.clear();
  }
}

/** The environment's tokens and the config's, each config token with its routes. */
function tokenVerifier(auth: RoutingTableParts['auth'], routing: RoutingFile | undefined): TokenVerifier {
  const configured = routing?.config.tokens ?? [];
  const routed = new Map<string, RoutedToken>(
    configured.map((entry) => [entry.token, { name: entry.name, routes: { defaultModel: entry.default_model, modelMap: entry.model_map, allowedGroups: entry.allowed_groups } }]),
  );
  const tokens = [...new Set([...auth.clientTokens, ...configured.map((entry) => entry.token)])];
  return new TokenVerifier(tokens, auth.adminToken, routed);
}
