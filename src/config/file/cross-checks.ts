import type { ConfigPath } from './errors.js';
import { isGlob, type FallbacksConfig, type GatewayFileConfig } from './schema.js';

export interface CrossFieldProblem {
  path: ConfigPath;
  message: string;
}

/**
 * Upstream types that name no provider kind, read from the document before the schema runs, so they are reported
 * with the schema's own mistakes. Which kinds exist is the provider registry's to say, not this file's.
 */
export function unknownUpstreamKinds(document: unknown, providerKinds: readonly string[]): CrossFieldProblem[] {
  const upstreams = (document as { upstreams?: unknown } | null)?.upstreams;
  if (upstreams === null || typeof upstreams !== 'object') return [];
  const kinds = new Set(providerKinds);
  return Object.entries(upstreams as Record<string, { type?: unknown } | null>)
    .filter(([, upstream]) => typeof upstream?.type === 'string' && !kinds.has(upstream.type))
    .map(([name]) => ({ path: ['upstreams', name, 'type'], message: `expected one of ${providerKinds.join(', ')}` }));
}

/** Checks between fields that the schema cannot see one at a time: names that must exist, cycles, combinations. */
export function checkCrossFields(config: GatewayFileConfig, builtInProviders: readonly string[]): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  const routeNames = new Set(Object.keys(config.routes));
  const upstreamNames = new Set(Object.keys(config.upstreams));
  const builtIn = new Set(builtInProviders);

  for (const [name, upstream] of Object.entries(config.upstreams)) {
    if ((upstream.type === 'azure' || upstream.type === 'openai-compatible') && upstream.base_url === undefined) {
      problems.push({ path: ['upstreams', name, 'base_url'], message: `required for type ${upstream.type}` });
    }
    if (upstream.api_version !== undefined && upstream.type !== 'azure') {
      problems.push({ path: ['upstreams', name, 'api_version'], message: 'only azure upstreams take an api_version' });
    }
  }

  const checkFallbacks = (fallbacks: FallbacksConfig, at: ConfigPath) => {
    const named: [ConfigPath, string][] = [
      ...fallbacks.on_error.map((route, index): [ConfigPath, string] => [[...at, 'on_error', index], route]),
      ...fallbacks.on_rate_limit.map((route, index): [ConfigPath, string] => [[...at, 'on_rate_limit', index], route]),
    ];
    if (fallbacks.on_context_window !== undefined) named.push([[...at, 'on_context_window'], fallbacks.on_context_window]);
    if (fallbacks.on_content_policy !== undefined) named.push([[...at, 'on_content_policy'], fallbacks.on_content_policy]);
    for (const [path, route] of named) {
      if (!routeNames.has(route)) problems.push({ path, message: `names no route of this file: "${route}"` });
    }
  };

  checkFallbacks(config.fallbacks, ['fallbacks']);
  for (const [name, route] of Object.entries(config.routes)) {
    route.targets.forEach((target, index) => {
      if (!upstreamNames.has(target.upstream) && !builtIn.has(target.upstream)) {
        problems.push({
          path: ['routes', name, 'targets', index, 'upstream'],
          message: `"${target.upstream}" is neither an upstream of this file nor a provider configured in the environment (${builtIn.size > 0 ? [...builtIn].join(', ') : 'none is'})`,
        });
      }
    });
    checkFallbacks(route.fallbacks, ['routes', name, 'fallbacks']);
    if (route.hedge_after_ms !== undefined && route.targets.length < 2) {
      problems.push({ path: ['routes', name, 'hedge_after_ms'], message: 'hedging needs at least two targets' });
    }
    if (route.eject.max_cool_off_ms < route.eject.cool_off_ms) {
      problems.push({ path: ['routes', name, 'eject', 'max_cool_off_ms'], message: 'must be at least cool_off_ms' });
    }
  }
  for (const cycle of findFallbackCycles(config)) {
    problems.push({ path: ['routes', cycle[0]!, 'fallbacks'], message: `fallback cycle: ${cycle.join(' → ')}` });
  }

  const seenTokens = new Map<string, number>();
  const routeExists = (name: string) => routeNames.has(name);
  config.tokens.forEach((token, index) => {
    const first = seenTokens.get(token.token);
    if (first !== undefined) problems.push({ path: ['tokens', index, 'token'], message: `the same token as tokens[${first}]` });
    else seenTokens.set(token.token, index);
    for (const [alias, route] of Object.entries(token.model_map)) {
      if (!routeExists(route)) problems.push({ path: ['tokens', index, 'model_map', alias], message: `names no route of this file: "${route}"` });
    }
    if (token.default_model !== undefined && !resolvesForToken(token.default_model, token.model_map, config)) {
      problems.push({ path: ['tokens', index, 'default_model'], message: `"${token.default_model}" is neither an alias of model_map nor a route of this file` });
    }
    token.allowed_groups?.forEach((group, groupIndex) => {
      if (!isGlob(group) && !routeExists(group)) {
        problems.push({ path: ['tokens', index, 'allowed_groups', groupIndex], message: `names no route of this file: "${group}"` });
      }
    });
  });
  return problems;
}

function resolvesForToken(model: string, modelMap: Record<string, string>, config: GatewayFileConfig): boolean {
  if (model in modelMap || model in config.routes) return true;
  return Object.keys(config.routes).some((name) => isGlob(name) && globToRegExp(name).test(model));
}

export function globToRegExp(glob: string): RegExp {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`);
}

/** Cycles of route-level fallbacks, each once, as `[a, b, a]`, starting where a walk in file order entered it. */
export function findFallbackCycles(config: GatewayFileConfig): string[][] {
  const edges = new Map<string, string[]>();
  for (const [name, route] of Object.entries(config.routes)) {
    const { on_error, on_rate_limit, on_context_window, on_content_policy } = route.fallbacks;
    const next = [...on_error, ...on_rate_limit, on_context_window, on_content_policy].filter(
      (target): target is string => target !== undefined && target in config.routes,
    );
    edges.set(name, [...new Set(next)]);
  }
  const cycles: string[][] = [];
  const reported = new Set<string>();
  const done = new Set<string>();
  const walk = (name: string, trail: string[]) => {
    const at = trail.indexOf(name);
    if (at !== -1) {
      const cycle = trail.slice(at);
      const key = [...cycle].sort().join('\u0000');
      if (!reported.has(key)) {
        reported.add(key);
        cycles.push([...cycle, name]);
      }
      return;
    }
    if (done.has(name)) return;
    for (const next of edges.get(name) ?? []) walk(next, [...trail, name]);
    done.add(name);
  };
  for (const name of edges.keys()) walk(name, []);
  return cycles;
}
