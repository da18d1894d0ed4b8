import { z } from 'zod';
import type { ConfigPath } from './errors.js';
import { proxyUrl } from './schema.js';
import { schemaProblems, type SchemaProblem } from './zod-issues.js';

/**
 * Drop-in import of openai-style-api's `model-config.json` (github.com/tian-minghui/openai-style-api): a JSON list of
 * `{ token, type, config }` entries. Each entry is one client token; a model entry calls one upstream model whatever
 * model the client asks for, a `router` spreads calls over other entries, a `model-name-router` picks an entry by the
 * requested model name. Keys the entry's `config` passes to the upstream as request parameters (temperature, top_p,
 * top_k …) have no counterpart in the gateway config and are not carried over.
 */

const text = () => z.string({ error: 'expected a string' }).min(1, 'must not be empty');
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const entrySchema = z.looseObject({
  token: text(),
  type: text(),
  config: z.record(z.string(), z.unknown(), { error: 'expected a map' }),
});

/** `proxies` as the Python `requests` library takes it; the https proxy is the one used for API calls. */
const proxiesSchema = z.looseObject({ https: proxyUrl.optional(), http: proxyUrl.optional() }).optional();

const withKey = { api_key: text(), proxies: proxiesSchema };

const openAiConfig = z.looseObject({ ...withKey, api_base: httpUrl().optional(), model: text().optional() });

const CONFIG_SCHEMAS = {
  openai: openAiConfig,
  // A third-party OpenAI reseller: the same adapter as `openai` in openai-style-api.
  proxy: openAiConfig,
  azure: z.looseObject({ ...withKey, api_base: httpUrl(), deployment_id: text(), api_version: text() }),
  claude: z.looseObject({ ...withKey, model: text() }),
  'zhipu-api': z.looseObject({ ...withKey, model: text().optional() }),
  'xunfei-spark-api': z.looseObject({ ...withKey, api_secret: text(), api_model_version: text() }),
  gemini: z.looseObject(withKey),
  qwen: z.looseObject({ ...withKey, model: text() }),
  router: z.looseObject({
    router_strategy: z.enum(['round-robin', 'random'], { error: 'expected round-robin or random' }),
    token_pool: z.array(text(), { error: 'expected a list of tokens' }).min(1, 'needs at least one token'),
  }),
  'model-name-router': z.looseObject({ 'model-2-token': z.record(z.string(), text(), { error: 'expected a map of model name to token' }) }),
} as const;

type EntryType = keyof typeof CONFIG_SCHEMAS;
const ENTRY_TYPES = Object.keys(CONFIG_SCHEMAS) as EntryType[];
const isEntryType = (type: string): type is EntryType => type in CONFIG_SCHEMAS;

/** The Spark WebSocket API's `domain` for each `api_model_version`; its HTTP API takes the same names as `model`. */
const SPARK_MODEL_BY_VERSION: Record<string, string> = {
  'v1.1': 'general',
  'v1.5': 'general',
  'v2.0': 'generalv2',
  'v3.0': 'generalv3',
  'v3.1': 'generalv3',
  'v3.5': 'generalv3.5',
  'v4.0': '4.0Ultra',
};

/** openai-style-api's GeminiAdapter always calls this model. */
const GEMINI_MODEL = 'gemini-pro';

/** A top-level list of objects, at least one with a `token` and a `type` (the others are then reported as entries). */
export function isOpenAiStyleApiConfig(value: unknown): boolean {
  const isObject = (entry: unknown): entry is object => entry !== null && typeof entry === 'object' && !Array.isArray(entry);
  return Array.isArray(value) && value.every(isObject) && value.some((entry: object) => 'token' in entry && 'type' in entry);
}

interface Target {
  upstream: string;
  model: string | null;
}

interface ConvertedUpstream {
  type: string;
  base_url?: string;
  api_keys: string[];
  api_version?: string;
  proxy?: string;
}

export interface ConvertedConfig {
  upstreams: Record<string, ConvertedUpstream>;
  routes: Record<string, { strategy: string; targets: Target[] }>;
  tokens: { token: string; name: string; default_model?: string; model_map: Record<string, string>; allowed_groups: string[] }[];
}

/** Converts the list to the gateway's config shape (validated afterwards like any config), or says what is wrong. */
export function convertOpenAiStyleApiConfig(
  value: unknown,
): { ok: true; config: ConvertedConfig; skipped: SchemaProblem[] } | { ok: false; problems: SchemaProblem[] } {
  if (!Array.isArray(value)) return { ok: false, problems: [{ path: [], message: 'expected a list of openai-style-api entries' }] };
  const problems: SchemaProblem[] = [];
  const skipped: SchemaProblem[] = [];
  const skippedTokens = new Set<string>();
  const config: ConvertedConfig = { upstreams: {}, routes: {}, tokens: [] };

  type Entry = { index: number; name: string; token: string; type: EntryType; config: Record<string, unknown> };
  const entries: Entry[] = [];
  const entryByToken = new Map<string, Entry>();
  const firstIndexByToken = new Map<string, number>();
  value.forEach((raw, index) => {
    const parsed = entrySchema.safeParse(raw, { reportInput: true });
    if (!parsed.success) {
      problems.push(...prefixed([index], schemaProblems(parsed.error.issues)));
      return;
    }
    const { token, type } = parsed.data;
    const firstWithToken = firstIndexByToken.get(token);
    if (firstWithToken !== undefined) {
      problems.push({ path: [index, 'token'], message: `the same token as entry [${firstWithToken}]` });
      return;
    }
    firstIndexByToken.set(token, index);
    if (!isEntryType(type)) {
      // The README's own example has such entries (browser-session adapters), and it must run as it is: the entry
      // is left out and named in a warning at start, and its token is refused like any unknown one.
      skipped.push({ path: [index, 'type'], message: `openai-style-api type "${type}" has no provider in this gateway (converted types: ${ENTRY_TYPES.join(', ')}); the entry and its token are left out` });
      skippedTokens.add(token);
      return;
    }
    const entryConfig = CONFIG_SCHEMAS[type].safeParse(parsed.data.config, { reportInput: true });
    if (!entryConfig.success) {
      problems.push(...prefixed([index, 'config'], schemaProblems(entryConfig.error.issues)));
      return;
    }
    const entry = { index, name: `${type}-${index}`, token, type, config: entryConfig.data };
    entries.push(entry);
    entryByToken.set(token, entry);
  });

  const targetByRoute = new Map<string, Target>();
  for (const entry of entries) {
    if (entry.type === 'router' || entry.type === 'model-name-router') continue;
    const converted = upstreamOf(entry.type, entry.config, [entry.index, 'config']);
    if ('problem' in converted) {
      problems.push(converted.problem);
      continue;
    }
    config.upstreams[entry.name] = converted.upstream;
    const target = { upstream: entry.name, model: converted.model };
    targetByRoute.set(entry.name, target);
    config.routes[entry.name] = { strategy: 'round-robin', targets: [target] };
    config.tokens.push(fixedRouteToken(entry.token, entry.name));
  }

  const routeOfToken = (token: string, at: ConfigPath, allowRouter: boolean): string | undefined => {
    const entry = entryByToken.get(token);
    if (!entry) {
      if (skippedTokens.has(token)) skipped.push({ path: at, message: 'names an entry that is left out; the router goes without it' });
      // A token of an entry refused above is not reported twice.
      else if (!firstIndexByToken.has(token)) problems.push({ path: at, message: 'no entry of this file has this token' });
      return undefined;
    }
    if (entry.type === 'model-name-router' || (entry.type === 'router' && !allowRouter)) {
      problems.push({ path: at, message: `names a ${entry.type} entry ([${entry.index}]); routers of routers are not converted` });
      return undefined;
    }
    return entry.name;
  };

  for (const entry of entries) {
    if (entry.type !== 'router') continue;
    const { router_strategy, token_pool } = entry.config as z.output<(typeof CONFIG_SCHEMAS)['router']>;
    const targets = token_pool.flatMap((token, poolIndex) => {
      const route = routeOfToken(token, [entry.index, 'config', 'token_pool', poolIndex], false);
      const target = route === undefined ? undefined : targetByRoute.get(route);
      return target ? [target] : [];
    });
    config.routes[entry.name] = { strategy: router_strategy, targets };
    config.tokens.push(fixedRouteToken(entry.token, entry.name));
  }

  for (const entry of entries) {
    if (entry.type !== 'model-name-router') continue;
    const modelToToken = (entry.config as z.output<(typeof CONFIG_SCHEMAS)['model-name-router']>)['model-2-token'];
    const modelMap: Record<string, string> = {};
    let defaultModel: string | undefined;
    for (const [model, token] of Object.entries(modelToToken)) {
      const route = routeOfToken(token, [entry.index, 'config', 'model-2-token', model], true);
      if (route === undefined) continue;
      // "default" is the entry used for any model name not in the map.
      if (model === 'default') defaultModel = route;
      else modelMap[model] = route;
    }
    const allowed = [...new Set([...Object.values(modelMap), ...(defaultModel ? [defaultModel] : [])])];
    config.tokens.push({ token: entry.token, name: entry.name, ...(defaultModel ? { default_model: defaultModel } : {}), model_map: modelMap, allowed_groups: allowed });
  }

  return problems.length > 0 ? { ok: false, problems } : { ok: true, config, skipped };
}

/** A model entry or router calls its one route whatever model the client names, as openai-style-api does. */
function fixedRouteToken(token: string, route: string): ConvertedConfig['tokens'][number] {
  return { token, name: route, default_model: route, model_map: { '*': route }, allowed_groups: [route] };
}

function upstreamOf(
  type: Exclude<EntryType, 'router' | 'model-name-router'>,
  entryConfig: Record<string, unknown>,
  at: ConfigPath,
): { upstream: ConvertedUpstream; model: string | null } | { problem: SchemaProblem } {
  const apiKey = entryConfig.api_key as string;
  const proxies = entryConfig.proxies as { https?: string; http?: string } | undefined;
  const proxy = proxies?.https ?? proxies?.http;
  const withProxy = (upstream: ConvertedUpstream): ConvertedUpstream => (proxy === undefined ? upstream : { ...upstream, proxy });
  const model = typeof entryConfig.model === 'string' ? entryConfig.model : null;
  switch (type) {
    case 'openai':
    case 'proxy': {
      const base = entryConfig.api_base as string | undefined;
      const isOpenAi = base === undefined || new URL(base).hostname === 'api.openai.com';
      return {
        upstream: withProxy({ type: isOpenAi ? 'openai' : 'openai-compatible', ...(base ? { base_url: base } : {}), api_keys: [apiKey] }),
        model,
      };
    }
    case 'azure':
      return {
        upstream: withProxy({ type: 'azure', base_url: entryConfig.api_base as string, api_keys: [apiKey], api_version: entryConfig.api_version as string }),
        model: entryConfig.deployment_id as string,
      };
    case 'claude':
      return { upstream: withProxy({ type: 'anthropic', api_keys: [apiKey] }), model };
    case 'zhipu-api':
      return { upstream: withProxy({ type: 'zhipu', api_keys: [apiKey] }), model };
    case 'qwen':
      return { upstream: withProxy({ type: 'dashscope', api_keys: [apiKey] }), model };
    case 'gemini':
      return { upstream: withProxy({ type: 'gemini', api_keys: [apiKey] }), model: GEMINI_MODEL };
    case 'xunfei-spark-api': {
      const version = entryConfig.api_model_version as string;
      const sparkModel = SPARK_MODEL_BY_VERSION[version];
      if (sparkModel === undefined) {
        return { problem: { path: [...at, 'api_model_version'], message: `unknown Spark version "${version}" (known: ${Object.keys(SPARK_MODEL_BY_VERSION).join(', ')})` } };
      }
      // Spark's HTTP API takes the APIKey and APISecret together as `key:secret`; the WebSocket app_id is not needed.
      return { upstream: withProxy({ type: 'spark', api_keys: [`${apiKey}:${entryConfig.api_secret as string}`] }), model: sparkModel };
    }
  }
}

function prefixed(prefix: ConfigPath, problems: SchemaProblem[]): SchemaProblem[] {
  return problems.map((problem) => ({ ...problem, path: [...prefix, ...problem.path] }));
}
