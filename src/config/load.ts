import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import type { z } from 'zod';
import { trimBaseUrl } from './env-values.js';
import { DEFAULT_CONFIG_FILE, formatConfigErrors, resolveConfigFilePath } from './file/index.js';
import { readRoutingFile, type RoutingContext, type RoutingFile } from './routing-file.js';
import type { ExchangeRates } from '../cost/currency.js';
import type { ProxySettings } from '../upstream/proxy/selection.js';
import type { ConfigurableProvider } from './provider-env.js';
import type { PassthroughApi } from './passthrough-apis.js';
import { ENDPOINT_SUFFIXES, envSchema, type RawEnvConfig } from './schema.js';
import { geminiBalanceWarning } from './gemini-balance.js';

export type { RoutingFile } from './routing-file.js';

export type LogLevel = RawEnvConfig['LOG_LEVEL'];

/** Which provider definition a configured upstream uses; `openai-compatible` is a named third-party proxy. */
export type ProviderKind = string;

export interface ProviderSettings {
  /** The name clients use as a model prefix (`openai/gpt-4o`) and that logs and `/v1/models` show. */
  id: string;
  kind: ProviderKind;
  baseUrl: string;
  /** Upstream keys; empty for a keyless upstream (a local vLLM or Ollama needs none). */
  apiKeys: string[];
  /** Model names or globs the operator routes here by their bare name. */
  models: string[];
  /** Public model name → the name the upstream knows (a config file upstream's `models` map). */
  modelMap?: Readonly<Record<string, string>>;
  /** The upstream's own timeout, when it differs from TIME_OUT. */
  timeoutMs?: number;
  /** Azure's API version for this upstream, when it differs from AZURE_OPENAI_API_VERSION. */
  apiVersion?: string;
  /** The upstream's own outbound proxy (the config file's `upstreams.<name>.proxy`): wins over the environment's. */
  proxy?: string;
  /** Headers sent with every call to this upstream (the config file's `upstreams.<name>.headers`). */
  headers?: Readonly<Record<string, string>>;
  /** A rate-limited key rests for that model only (`cooldown_per_model`; the provider's `limitsPerModel`). */
  cooldownPerModel?: boolean;
  /**
   * OpenAI's APIs beside chat that this OpenAI-compatible upstream serves itself (`passthrough`): their calls are
   * forwarded as they are; undefined keeps the provider kind's own choice.
   */
  passthroughApis?: readonly PassthroughApi[];
  /** A key outside the rotation for calls that need billing (gemini-balance's PAID_KEY; see ProviderEnv.paidKeyVariable). */
  paidKey?: string;
}


export interface KeyPoolConfig {
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  maxFailures: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** 0 disables the periodic check of invalid keys. */
  checkIntervalMs: number;
  testModel: string | undefined;
  rateLimitCooldownMs: number;
  quotaCooldownMs: number;
  transientRestMs: number;
  /** Per-provider limits on each upstream key. */
  keyLimits: Record<string, { rpm?: number | undefined; tpm?: number | undefined; maxConcurrent?: number | undefined }>;
  rateLimitMaxWaitMs: number;
}

export interface AccessConfig {
  /** Providers whose callers bring their own upstream key as their bearer token. */
  byokProviders: string[];
  /** Failed authentications from one address before it is refused for `lockoutMs`. */
  maxAuthFailures: number;
  lockoutMs: number;
  /** Proxies in front of the gateway whose X-Forwarded-For is trusted (0: the socket's address is the client's). */
  trustedProxyHops: number;
  /** How long an admin console sign-in lasts. */
  consoleSessionMs: number;
}

export interface UsageConfig {
  timeZone: string;
  /** How long the request log keeps a record. */
  logRetentionMs: number;
  /** How long the upstream error log keeps a record. */
  errorLogRetentionMs: number;
  logMaxRecords: number;
  logRequestBodies: boolean;
}

export interface CostConfig {
  /** Yuan per US dollar: prices written in CNY are converted at this rate. */
  exchangeRates: ExchangeRates;
}

export interface GeneratedMediaConfig {
  /** Where generated images are kept and served from (IMAGE_UPLOAD_DIR, ./data/images by default). */
  imageUploadDir: string;
  /** The gateway's public URL, for absolute image URLs (PUBLIC_BASE_URL); the request's origin otherwise. */
  publicBaseUrl: string | undefined;
  /** How images in chat answers are sent: markdown data URLs, or links to copies in the upload folder. */
  chatImageFormat: 'markdown' | 'url';
}

export interface MediaFetchConfig {
  maxBytes: number;
  timeoutMs: number;
  /** Lets client-supplied URLs reach private and loopback addresses (trusted networks only). */
  allowPrivateNetworks: boolean;
}

export interface GatewayConfig {
  port: number;
  host: string;
  /** True when HOST was set: the open-mode loopback default does not apply. */
  hostExplicit: boolean;
  logLevel: LogLevel;
  /** Largest body of an inference call (chat, messages, responses, embeddings …). */
  maxRequestBodyBytes: number;
  /** Largest body of an admin or console call. */
  maxAdminBodyBytes: number;
  /** How long a client may take to send its body once its headers are in (0: no limit); 408 past it. */
  requestBodyTimeoutMs: number;
  shutdownGraceMs: number;
  /** Processes serving the port; more than one needs Redis (REDIS_URL) to share their state. */
  workers: number;
  /** Load shedding, per process: inference calls in flight at most (0: no limit), and the wait for a free slot. */
  load: { maxInFlight: number; maxQueueWaitMs: number };
  cors: { origins: '*' | string[]; allowCredentials: boolean };
  auth: {
    /** Tokens accepted from clients (the admin token is one of them). Empty means the gateway is open. */
    clientTokens: string[];
    adminToken: string | undefined;
  };
  upstreamTimeoutMs: number;
  /** Outbound proxies from the environment (an upstream's own is in its ProviderSettings). */
  proxies: ProxySettings;
  modelsCacheMs: number;
  providers: ProviderSettings[];
  /** Model groups, named upstreams and token routes from the config file as read at start, when there is one. */
  routing: RoutingFile | undefined;
  /** Where the config file is (or would be: online edits are kept beside it). */
  configFilePath: string | undefined;
  /** What a routing config is read against (for edits and reloads at run time). */
  routingContext: RoutingContext;
  /** How often the config file is checked for changes; 0: never. */
  configWatchMs: number;
  /** Where online edits of the routing config are kept when there is no Redis. */
  onlineConfigFile: string;
  keyPools: KeyPoolConfig;
  /** Each provider's own settings from the environment, by provider kind, as its definition reads them. */
  providerOptions: Readonly<Record<string, unknown>>;
  media: MediaFetchConfig;
  access: AccessConfig;
  usage: UsageConfig;
  cost: CostConfig;
  /** Responses API answers kept for `previous_response_id` and `GET /v1/responses/{id}`; 0: none are kept. */
  responses: { ttlMs: number };
  generatedMedia: GeneratedMediaConfig;
  /** The speech endpoint's defaults (gemini-balance's TTS_MODEL, TTS_VOICE_NAME, TTS_SPEED). */
  tts: { model: string; voice: string; speed: 'slow' | 'normal' | 'fast' };
  /** Gemini calls on odd paths are sent to the native route they mean (gemini-balance's URL_NORMALIZATION_ENABLED). */
  urlNormalization: boolean;
  /** What to tell the operator at start about the environment (settings of gemini-balance it does not read). */
  warnings: string[];
  metrics: MetricsConfig;
}

/** Where `GET /metrics` is served; with neither a token nor a port it is not served at all. */
export interface MetricsConfig {
  /** On the main port to requests bearing this token (or the admin token). */
  token: string | undefined;
  /** A port of its own, without a token (0: any free port). */
  port: number | undefined;
  /** The address that port listens on; 127.0.0.1 unless METRICS_HOST says otherwise. */
  host: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `gateway.online.json` beside the config file (`my.yaml` → `my.online.json`), or in the working directory. */
function besideConfigFile(configFilePath: string | undefined): string {
  const file = configFilePath ?? path.resolve(DEFAULT_CONFIG_FILE);
  return path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.online.json`);
}

const unique = (items: Iterable<string>): string[] => [...new Set(items)];

/**
 * Reads a dotenv file into `env` without overriding variables that are already set, so the real environment
 * (Docker, systemd) wins over the file. A missing file is not an error.
 */
export function applyDotenvFile(path: string, env: NodeJS.ProcessEnv, required = false): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // The default `.env` is optional; a file the operator named must exist, or the gateway would start without it.
    if (required) throw new ConfigError(`ENV_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return false;
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined) env[name] = value;
  }
  return true;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const [variable, ...rest] = issue.path;
  const where = rest.length > 0 ? `${String(variable)}${rest.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : String(variable);
  let message = issue.message;
  if (issue.code === 'invalid_type' && message.startsWith('Invalid input')) message = `expected ${issue.expected}`;
  return `${where}: ${message}`;
}

/**
 * Validates the environment and derives the gateway's configuration; throws a one-line ConfigError if invalid.
 * `definitions` are the providers the gateway knows (the registry's), in the order configured ones are listed.
 */
export function loadConfig(env: NodeJS.ProcessEnv, definitions: Readonly<Record<string, ConfigurableProvider>>): GatewayConfig {
  const builtIns = Object.values(definitions).flatMap(({ kind, env: spec, limitsPerModel }) => (spec ? [{ id: kind, limitsPerModel, ...spec }] : []));
  const BUILT_IN_PROVIDER_IDS = new Set(builtIns.map((provider) => provider.id));
  const parsed = envSchema(Object.values(definitions)).safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(describeIssue);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`);
  }
  const raw = parsed.data as RawEnvConfig;

  const whitelist = raw.ENABLE_CHECK_APIKEY ? unique([...raw.api_keys_whitelist, ...raw.API_KEYS_WHITELIST]) : [];
  if (raw.ENABLE_CHECK_APIKEY && whitelist.length === 0) {
    throw new ConfigError('invalid configuration: ENABLE_CHECK_APIKEY is true but api_keys_whitelist is empty');
  }
  const allowed = unique([...raw.ALLOWED_TOKENS, ...whitelist]);
  const adminToken = raw.AUTH_TOKEN ?? allowed[0];
  const clientTokens = adminToken === undefined ? allowed : unique([...allowed, adminToken]);

  const providers: ProviderSettings[] = [];
  const variables = parsed.data as Record<string, unknown>;
  for (const builtIn of builtIns) {
    const apiKeys = unique(builtIn.keyVariables.flatMap((name) => variables[name] as string[]));
    if (builtIn.keyPairVariables) {
      const [key, secret] = builtIn.keyPairVariables.map((name) => variables[name] as string | undefined);
      if (key !== undefined && secret !== undefined) apiKeys.push(`${key}:${secret}`);
      else if (key !== undefined || secret !== undefined) {
        throw new ConfigError(`invalid configuration: ${builtIn.keyPairVariables.join(' and ')} are needed together`);
      }
    }
    // A BYOK provider needs no key of the gateway's own: naming it in BYOK_PROVIDERS enables it.
    const enabled = apiKeys.length > 0 || (builtIn.enabledBy ?? []).some((name) => variables[name] !== undefined) || raw.BYOK_PROVIDERS.includes(builtIn.id);
    if (!enabled) continue;
    const url = builtIn.urlVariables.map((name) => variables[name] as string | undefined).find((value) => value !== undefined);
    if ((url ?? builtIn.defaultBaseUrl) === '') {
      throw new ConfigError(`invalid configuration: ${builtIn.urlVariables[0]}: required to use ${builtIn.id}`);
    }
    const paidKey = builtIn.paidKeyVariable === undefined ? undefined : (variables[builtIn.paidKeyVariable] as string | undefined);
    providers.push({
      id: builtIn.id,
      kind: builtIn.id,
      baseUrl: url ?? builtIn.defaultBaseUrl,
      apiKeys,
      models: [],
      ...(builtIn.limitsPerModel ? { cooldownPerModel: true } : {}),
      ...(paidKey ? { paidKey } : {}),
    });
  }
  const seen = new Set<string>();
  raw.OPENAI_COMPATIBLE_PROVIDERS.forEach((entry, index) => {
    const where = `OPENAI_COMPATIBLE_PROVIDERS[${index}]`;
    if (BUILT_IN_PROVIDER_IDS.has(entry.name)) {
      throw new ConfigError(`invalid configuration: ${where}.name: "${entry.name}" is a built-in provider name`);
    }
    if (seen.has(entry.name)) {
      throw new ConfigError(`invalid configuration: ${where}.name: "${entry.name}" is used twice`);
    }
    seen.add(entry.name);
    providers.push({
      id: entry.name,
      kind: 'openai-compatible',
      baseUrl: trimBaseUrl(entry.base_url, ENDPOINT_SUFFIXES),
      apiKeys: unique([...(entry.api_key ? [entry.api_key] : []), ...(entry.api_keys ?? [])].filter((key) => key !== '')),
      models: entry.models,
      ...(entry.passthrough === undefined ? {} : { passthroughApis: entry.passthrough }),
    });
    if (entry.byok) raw.BYOK_PROVIDERS.push(entry.name);
  });

  for (const provider of raw.BYOK_PROVIDERS) {
    if (!BUILT_IN_PROVIDER_IDS.has(provider) && !seen.has(provider)) {
      throw new ConfigError(`invalid configuration: BYOK_PROVIDERS: "${provider}" is not a provider name`);
    }
  }

  for (const provider of Object.keys(raw.UPSTREAM_KEY_LIMITS)) {
    if (!BUILT_IN_PROVIDER_IDS.has(provider) && !seen.has(provider)) {
      throw new ConfigError(`invalid configuration: UPSTREAM_KEY_LIMITS: "${provider}" is not a provider name`);
    }
  }

  const keyLimits: KeyPoolConfig['keyLimits'] = Object.fromEntries(
    Object.entries(raw.UPSTREAM_KEY_LIMITS).map(([provider, limit]) => [provider, { rpm: limit.rpm, tpm: limit.tpm, maxConcurrent: limit.max_concurrent }]),
  );
  const routingContext: RoutingContext = { env, envProviders: providers, definitions };
  const configFilePath = resolveConfigFilePath(env, process.cwd());
  let routing: RoutingFile | undefined;
  if (configFilePath !== undefined) {
    const read = readRoutingFile(configFilePath, routingContext);
    if (!read.ok) throw new ConfigError(`invalid config file ${configFilePath}:\n${formatConfigErrors(read.errors)}`);
    routing = read.routing;
  }

  if (raw.WORKERS > 1 && raw.REDIS_URL === undefined) {
    throw new ConfigError(
      `invalid configuration: WORKERS: ${raw.WORKERS} processes need REDIS_URL; without Redis each would keep its own key pools, limits, budgets and logs. Set REDIS_URL, or WORKERS=1`,
    );
  }

  const hostExplicit = raw.HOST !== undefined;
  return {
    port: raw.PORT,
    host: raw.HOST ?? (clientTokens.length === 0 && (routing?.config.tokens.length ?? 0) === 0 ? '127.0.0.1' : '0.0.0.0'),
    hostExplicit,
    logLevel: raw.LOG_LEVEL,
    maxRequestBodyBytes: raw.MAX_REQUEST_BODY_SIZE,
    maxAdminBodyBytes: Math.min(raw.MAX_ADMIN_BODY_SIZE, raw.MAX_REQUEST_BODY_SIZE),
    requestBodyTimeoutMs: raw.REQUEST_BODY_TIMEOUT_SECONDS,
    shutdownGraceMs: raw.SHUTDOWN_GRACE_SECONDS,
    workers: raw.WORKERS,
    load: { maxInFlight: raw.MAX_IN_FLIGHT, maxQueueWaitMs: raw.MAX_QUEUE_WAIT_MS },
    cors: {
      origins: raw.CORS_ORIGINS.length === 0 || raw.CORS_ORIGINS.includes('*') ? '*' : raw.CORS_ORIGINS,
      allowCredentials: raw.CORS_ALLOW_CREDENTIALS,
    },
    auth: { clientTokens, adminToken },
    upstreamTimeoutMs: raw.TIME_OUT,
    proxies: {
      // The lower-case spelling wins when both are set, as in curl and Python.
      httpsProxy: raw.https_proxy ?? raw.HTTPS_PROXY,
      httpProxy: raw.http_proxy ?? raw.HTTP_PROXY,
      noProxy: raw.no_proxy.length > 0 ? raw.no_proxy : raw.NO_PROXY,
      pool: raw.PROXIES,
      consistentByKey: raw.PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY,
    },
    modelsCacheMs: raw.MODELS_CACHE_SECONDS,
    providers,
    routing,
    configFilePath,
    routingContext,
    configWatchMs: raw.CONFIG_WATCH_SECONDS,
    onlineConfigFile: raw.CONFIG_ONLINE_FILE === undefined ? besideConfigFile(configFilePath) : path.resolve(raw.CONFIG_ONLINE_FILE),
    keyPools: {
      redisUrl: raw.REDIS_URL,
      redisKeyPrefix: raw.REDIS_KEY_PREFIX,
      maxFailures: raw.MAX_FAILURES,
      maxAttempts: raw.MAX_RETRIES,
      checkIntervalMs: Math.round(raw.CHECK_INTERVAL_HOURS * 3_600_000),
      testModel: raw.TEST_MODEL,
      rateLimitCooldownMs: raw.RATE_LIMIT_COOLDOWN_SECONDS,
      quotaCooldownMs: raw.QUOTA_COOLDOWN_SECONDS,
      transientRestMs: raw.TRANSIENT_COOLDOWN_SECONDS,
      keyLimits,
      rateLimitMaxWaitMs: raw.RATE_LIMIT_MAX_WAIT_SECONDS,
    },
    providerOptions: Object.fromEntries(
      builtIns.flatMap((builtIn) => (builtIn.options ? [[builtIn.id, builtIn.options(variables, { upstreamTimeoutMs: raw.TIME_OUT })]] : [])),
    ),
    media: {
      maxBytes: raw.MEDIA_FETCH_MAX_SIZE,
      timeoutMs: raw.MEDIA_FETCH_TIMEOUT_SECONDS,
      allowPrivateNetworks: raw.MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS,
    },
    access: {
      byokProviders: unique(raw.BYOK_PROVIDERS),
      maxAuthFailures: raw.AUTH_MAX_FAILURES,
      lockoutMs: raw.AUTH_LOCKOUT_SECONDS,
      trustedProxyHops: raw.TRUST_PROXY,
      consoleSessionMs: raw.CONSOLE_SESSION_HOURS * 3_600_000,
    },
    usage: {
      timeZone: raw.TIMEZONE,
      logRetentionMs: (raw.AUTO_DELETE_REQUEST_LOGS_ENABLED ? raw.AUTO_DELETE_REQUEST_LOGS_DAYS : raw.LOG_RETENTION_DAYS) * 86_400_000,
      errorLogRetentionMs: (raw.AUTO_DELETE_ERROR_LOGS_ENABLED && raw.AUTO_DELETE_ERROR_LOGS_DAYS > 0 ? raw.AUTO_DELETE_ERROR_LOGS_DAYS : raw.LOG_RETENTION_DAYS) * 86_400_000,
      logMaxRecords: raw.LOG_MAX_RECORDS,
      logRequestBodies: raw.LOG_REQUEST_BODIES,
    },
    cost: { exchangeRates: { cnyPerUsd: raw.CNY_PER_USD } },
    responses: { ttlMs: raw.RESPONSES_TTL_SECONDS },
    metrics: { token: raw.METRICS_TOKEN, port: raw.METRICS_PORT, host: raw.METRICS_HOST ?? '127.0.0.1' },
    tts: { model: raw.TTS_MODEL, voice: raw.TTS_VOICE_NAME, speed: raw.TTS_SPEED },
    urlNormalization: raw.URL_NORMALIZATION_ENABLED,
    warnings: [geminiBalanceWarning(env)].filter((warning) => warning !== undefined),
    generatedMedia: {
      imageUploadDir: path.resolve(raw.IMAGE_UPLOAD_DIR ?? 'data/images'),
      publicBaseUrl: raw.PUBLIC_BASE_URL,
      chatImageFormat: raw.CHAT_IMAGE_FORMAT,
    },
  };
}
