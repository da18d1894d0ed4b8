import type { GatewayFileConfig, RouteConfig } from '../../config/file/schema.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import { upstreamModelName } from '../model-resolver.js';
import type { GroupFallbacks, ModelGroup } from './model-group.js';

/** A group of the config file, its targets bound to the configured upstreams. */
function toModelGroup(name: string, route: RouteConfig, upstreams: ReadonlyMap<string, ConfiguredProvider>): ModelGroup {
  return {
    name,
    strategy: route.strategy,
    targets: route.targets.map((target) => {
      const upstream = upstreams.get(target.upstream)!;
      const model = target.model === null ? '' : upstreamModelName(upstream.settings, target.model);
      const id = `${target.upstream}/${target.model ?? '*'}`;
      return { id, route: { target: upstream, upstreamModel: model, targetId: id }, weight: target.weight, priority: target.priority, passesRequestedModel: target.model === null };
    }),
    fallbacks: toFallbacks(route.fallbacks),
    hedgeAfterMs: route.hedge_after_ms,
    ejection: { afterFailures: route.eject.after_failures, coolOffMs: route.eject.cool_off_ms, maxCoolOffMs: route.eject.max_cool_off_ms },
    rewriteModel: route.rewrite_model,
  };
}

export function toFallbacks(fallbacks: GatewayFileConfig['fallbacks']): GroupFallbacks {
  return { onError: fallbacks.on_error, onRateLimit: fallbacks.on_rate_limit, onContextWindow: fallbacks.on_context_window, onContentPolicy: fallbacks.on_content_policy };
}

/** The model groups of a validated config file; every upstream a target names is among `providers`. */
export function modelGroupsOf(config: GatewayFileConfig, providers: readonly ConfiguredProvider[]): ModelGroup[] {
  const upstreams = new Map(providers.map((provider) => [provider.settings.id, provider]));
  return Object.entries(config.routes).map(([name, route]) => toModelGroup(name, route, upstreams));
}
