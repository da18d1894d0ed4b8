import { z } from 'zod';
import { priceEntriesSchema } from '../../cost/price-schema.js';
import { PASSTHROUGH_APIS } from '../passthrough-apis.js';

/**
 * The routing config file (`gateway.yaml`), as written and as normalised: field names stay the file's snake_case,
 * and after parsing every default is filled in, so code reading a `GatewayFileConfig` never repeats a default.
 */

/** The provider definitions an upstream can use: the built-in ones and a named OpenAI-compatible proxy. */
export const ROUTE_STRATEGIES = ['round-robin', 'weighted', 'random', 'priority', 'least-busy', 'lowest-latency', 'least-used', 'lowest-cost'] as const;

const PROXY_PROTOCOLS = new Set(['http:', 'https:', 'socks5:', 'socks5h:']);

const positiveInteger = (what = 'a positive whole number') =>
  z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).positive({ error: `expected ${what}` });

const text = () => z.string({ error: 'expected a string' }).min(1, 'must not be empty');

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
  .transform((url) => url.replace(/\/+$/, ''));

export const proxyUrl = z.string({ error: 'expected a proxy URL' }).refine(
  (value) => {
    try {
      const url = new URL(value);
      return PROXY_PROTOCOLS.has(url.protocol) && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'expected an http://, https://, socks5:// or socks5h:// URL (user:password@ allowed)' },
);

/** `models:` as a map public name → upstream name, or a list of names served as they are (normalised to a map). */
const upstreamModels = z
  .union([z.record(z.string(), text()), z.array(text())], { error: 'expected a map of public name to upstream model, or a list of model names' })
  .transform((models) => (Array.isArray(models) ? Object.fromEntries(models.map((name) => [name, name])) : models));

export const upstreamSchema = z
  .strictObject({
    /** A provider kind; which kinds exist is the registry's to say (checked with the cross-field checks). */
    type: text(),
    base_url: httpUrl.optional(),
    /** Empty for keyless upstreams (a local Ollama or vLLM). */
    api_keys: z.array(text(), { error: 'expected a list of keys' }).default([]),
    headers: z.record(z.string(), z.string({ error: 'header values must be strings' }), { error: 'expected a map of header name to value' }).default({}),
    timeout_ms: positiveInteger().optional(),
    api_version: text().optional(),
    models: upstreamModels.default({}),
    key_limits: z
      .strictObject({ rpm: positiveInteger().optional(), tpm: positiveInteger().optional(), max_concurrent: positiveInteger().optional() })
      .optional(),
    proxy: proxyUrl.optional(),
    /** Gemini paid keys (gemini-balance's PAID_KEY): not subject to the free tier's limits. */
    paid: z.boolean({ error: 'expected true or false' }).default(false),
    /** Cool a key down for one model only instead of for all (Gemini's limits are per model). */
    cooldown_per_model: z.boolean({ error: 'expected true or false' }).optional(),
    /** OpenAI's APIs beside chat an OpenAI-compatible upstream serves itself: forwarded as they are, not converted. */
    passthrough: z.array(z.enum(PASSTHROUGH_APIS, { error: `expected ${PASSTHROUGH_APIS.join(' or ')}` }), { error: 'expected a list of APIs' }).optional(),
  })
  .transform(({ cooldown_per_model, ...upstream }) => ({ ...upstream, cooldown_per_model: cooldown_per_model ?? upstream.type === 'gemini' }));

export const fallbacksSchema = z.strictObject({
  on_error: z.array(text(), { error: 'expected a list of route names' }).default([]),
  on_rate_limit: z.array(text(), { error: 'expected a list of route names' }).default([]),
  on_context_window: text().optional(),
  on_content_policy: text().optional(),
});

const targetSchema = z.strictObject({
  upstream: text(),
  /** The upstream's model name; null passes the requested name through. Defaults to the route name (null for a glob). */
  model: text().nullable().optional(),
  weight: z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' }).default(1),
  /** Lower is tried first; defaults to the target's position. */
  priority: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).optional(),
});

const ejectSchema = z.strictObject({
  after_failures: positiveInteger().default(3),
  cool_off_ms: positiveInteger().default(30_000),
  max_cool_off_ms: positiveInteger().default(600_000),
});

export const routeSchema = z.strictObject({
  strategy: z.enum(ROUTE_STRATEGIES, { error: `expected one of ${ROUTE_STRATEGIES.join(', ')}` }).default('round-robin'),
  targets: z.array(targetSchema, { error: 'expected a list of targets' }).min(1, 'needs at least one target'),
  fallbacks: fallbacksSchema.prefault({}),
  hedge_after_ms: positiveInteger().optional(),
  eject: ejectSchema.prefault({}),
  /** The answer's `model` shows the upstream's model name instead of the requested one. */
  rewrite_model: z.boolean({ error: 'expected true or false' }).default(false),
});

export const clientTokenSchema = z.strictObject({
  token: text(),
  name: text().optional(),
  default_model: text().optional(),
  /** Alias (or glob, `*` for every name) → route name. */
  model_map: z.record(z.string(), text(), { error: 'expected a map of alias to route name' }).default({}),
  /** Route names or globs this token may use; absent means every route. */
  allowed_groups: z.array(text(), { error: 'expected a list of route names or globs' }).optional(),
});

export const isGlob = (name: string) => /[*?]/.test(name);

export const gatewayFileSchema = z
  .strictObject({
    upstreams: z.record(z.string(), upstreamSchema, { error: 'expected a map of upstream name to upstream' }).default({}),
    routes: z.record(z.string(), routeSchema, { error: 'expected a map of model name to route' }).default({}),
    fallbacks: fallbacksSchema.prefault({}),
    tokens: z.array(clientTokenSchema, { error: 'expected a list of tokens' }).default([]),
    /** Model name (or glob, or `<upstream>/<model>`) → its price, over the shipped prices; null makes it unpriced. */
    prices: priceEntriesSchema.default({}),
  }, { error: 'expected a map with upstreams, routes, fallbacks, tokens and prices' })
  .transform((config) => ({
    ...config,
    routes: Object.fromEntries(
      Object.entries(config.routes).map(([name, route]) => [
        name,
        {
          ...route,
          targets: route.targets.map((target, index) => ({
            upstream: target.upstream,
            model: target.model === undefined ? (isGlob(name) ? null : name) : target.model,
            weight: target.weight,
            priority: target.priority ?? index,
          })),
        },
      ]),
    ),
  }));

export type GatewayFileConfig = z.output<typeof gatewayFileSchema>;
export type UpstreamConfig = GatewayFileConfig['upstreams'][string];
export type RouteConfig = GatewayFileConfig['routes'][string];
export type RouteTarget = RouteConfig['targets'][number];
export type FallbacksConfig = GatewayFileConfig['fallbacks'];
export type ClientTokenConfig = GatewayFileConfig['tokens'][number];
