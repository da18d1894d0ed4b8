import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { assertTimeZone } from '../access/limits/time-windows.js';
import { baseUrl, byteSize, flag, integer, jsonValue, optionalInteger, optionalText, positiveNumber, proxyUrlList, proxyUrlText, secondsAsMs, stringList } from './env-values.js';
import type { ConfigurableProvider } from './provider-env.js';
import { PASSTHROUGH_APIS } from './passthrough-apis.js';
import { parseRedisUrl } from '../storage/redis-url.js';

const LOG_LEVEL_ALIASES: Record<string, string> = { warning: 'warn', critical: 'fatal' };
const logLevel = z.preprocess(
  (value) => {
    if (value === undefined || String(value).trim() === '') return 'info';
    const level = String(value).trim().toLowerCase();
    return LOG_LEVEL_ALIASES[level] ?? level;
  },
  z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], {
    error: 'expected one of trace, debug, info, warn, error, fatal, silent',
  }),
);

const DEFAULT_CNY_PER_USD = 7.02;

/** Endpoint paths users sometimes paste into a base-URL variable; removed so both spellings work. */
export const ENDPOINT_SUFFIXES = ['/chat/completions', '/text/chatcompletion_v2', '/api/chat'] as const;

/** One named OpenAI-compatible upstream (a third-party proxy, a self-hosted vLLM, …). */
const compatibleProviderEntry = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'name must be lower-case letters, digits, "-" or "_" (at most 40)'),
    base_url: z.url({ protocol: /^https?$/, error: 'base_url must be an http(s) URL' }),
    api_key: z.string().optional(),
    api_keys: z.array(z.string()).optional(),
    models: z.array(z.string().min(1)).default([]),
    /** Bring your own key: the client's bearer token is this upstream's key. */
    byok: z.boolean().default(false),
    /** OpenAI's APIs beside chat the upstream serves itself, forwarded as they are instead of converted to chat. */
    passthrough: z.array(z.enum(PASSTHROUGH_APIS)).optional(),
  })
  .strict();

/** Per-key limits for one provider's pool: requests per minute and calls in flight at once. */
const upstreamKeyLimit = z
  .object({
    rpm: z.number().int().positive('rpm must be a positive whole number').optional(),
    max_concurrent: z.number().int().positive('max_concurrent must be a positive whole number').optional(),
    tpm: z.number().int().positive('tpm must be a positive whole number').optional(),
  })
  .strict();

export type CompatibleProviderEntry = z.infer<typeof compatibleProviderEntry>;

/**
 * The gateway's own environment variables (the providers declare theirs). Names follow the projects our users come from (gemini-balance and
 * the older Python gateways) so their `.env` files keep working; aliases are merged in `load.ts`.
 */
const gatewayEnvSchema = z.object({
  // server
  PORT: integer(8000, 0, 65535),
  HOST: optionalText(),
  LOG_LEVEL: logLevel,
  MAX_REQUEST_BODY_SIZE: byteSize('50mb'),
  MAX_ADMIN_BODY_SIZE: byteSize('2mb'),
  REQUEST_BODY_TIMEOUT_SECONDS: secondsAsMs(30, 3600),
  SHUTDOWN_GRACE_SECONDS: secondsAsMs(30, 3600),
  // processes serving the port (node:cluster): a number, or `auto` for one per core
  WORKERS: z.preprocess(
    (value, ctx) => {
      if (value === undefined || String(value).trim() === '') return 1;
      const text = String(value).trim().toLowerCase();
      if (text === 'auto') return availableParallelism();
      if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 256) {
        ctx.addIssue({ code: 'custom', message: 'expected auto or a whole number between 1 and 256' });
        return z.NEVER;
      }
      return Number(text);
    },
    z.number(),
  ),
  // load shedding: inference calls in flight per process (0: no limit), and how long a call waits for a free slot
  MAX_IN_FLIGHT: integer(0, 0, 1_000_000),
  MAX_QUEUE_WAIT_MS: integer(1000, 0, 600_000),
  CORS_ORIGINS: stringList(),
  CORS_ALLOW_CREDENTIALS: flag(false),

  // Prometheus metrics: on the main port behind a token, and/or on a port of their own (loopback unless told)
  METRICS_TOKEN: optionalText(),
  METRICS_PORT: optionalInteger(0, 65535),
  METRICS_HOST: optionalText(),

  // access control
  ALLOWED_TOKENS: stringList(),
  AUTH_TOKEN: optionalText(),
  ENABLE_CHECK_APIKEY: flag(false),
  api_keys_whitelist: stringList(),
  API_KEYS_WHITELIST: stringList(),
  BYOK_PROVIDERS: stringList(),
  AUTH_MAX_FAILURES: integer(10, 1, 1_000_000),
  AUTH_LOCKOUT_SECONDS: secondsAsMs(900, 86_400),
  CONSOLE_SESSION_HOURS: integer(12, 1, 720),
  TRUST_PROXY: z.preprocess(
    (value, ctx) => {
      if (value === undefined || String(value).trim() === '') return 0;
      const text = String(value).trim().toLowerCase();
      if (['true', 'yes', 'on'].includes(text)) return 1;
      if (['false', 'no', 'off'].includes(text)) return 0;
      const hops = Number(text);
      if (!Number.isInteger(hops) || hops < 0 || hops > 10) {
        ctx.addIssue({ code: 'custom', message: 'expected true, false or the number of proxies in front (0–10)' });
        return z.NEVER;
      }
      return hops;
    },
    z.number(),
  ),

  // usage metering and logs
  TIMEZONE: z.preprocess(
    (value, ctx) => {
      const zone = value === undefined || String(value).trim() === '' ? 'UTC' : String(value).trim();
      try {
        assertTimeZone(zone);
      } catch {
        ctx.addIssue({ code: 'custom', message: `unknown time zone "${zone}" (expected an IANA name such as Asia/Shanghai)` });
        return z.NEVER;
      }
      return zone;
    },
    z.string(),
  ),
  // Yuan per US dollar, for prices written in CNY. The default is the central parity rate of 2026-01-08 (7.0197,
  // China Foreign Exchange Trade System); operators set the rate they want their costs in.
  CNY_PER_USD: positiveNumber(DEFAULT_CNY_PER_USD),
  LOG_RETENTION_DAYS: integer(30, 1, 3650),
  LOG_MAX_RECORDS: integer(50_000, 100, 100_000_000),
  LOG_REQUEST_BODIES: flag(false),
  // gemini-balance's log retention: with ENABLED, each log keeps its own number of days (instead of LOG_RETENTION_DAYS)
  AUTO_DELETE_ERROR_LOGS_ENABLED: flag(true),
  AUTO_DELETE_ERROR_LOGS_DAYS: integer(0, 0, 3650),
  AUTO_DELETE_REQUEST_LOGS_ENABLED: flag(false),
  AUTO_DELETE_REQUEST_LOGS_DAYS: integer(30, 1, 3650),

  // gemini-balance's "smart routing": Gemini calls on odd paths sent to the native route they mean
  URL_NORMALIZATION_ENABLED: flag(false),

  // the defaults of the speech endpoint (gemini-balance's TTS settings)
  TTS_MODEL: z.preprocess((value) => (value === undefined || String(value).trim() === '' ? 'gemini-2.5-flash-preview-tts' : String(value).trim()), z.string()),
  TTS_VOICE_NAME: z.preprocess((value) => (value === undefined || String(value).trim() === '' ? 'Zephyr' : String(value).trim()), z.string()),
  TTS_SPEED: z.preprocess(
    (value) => (value === undefined || String(value).trim() === '' ? 'normal' : String(value).trim().toLowerCase()),
    z.enum(['slow', 'normal', 'fast'], { error: 'expected slow, normal or fast' }),
  ),

  // generated media: where images are kept for response_format "url" (and CHAT_IMAGE_FORMAT=url), the public URL
  // of the gateway for absolute links, and how images in chat answers are sent (markdown data URLs, or links)
  IMAGE_UPLOAD_DIR: optionalText(),
  PUBLIC_BASE_URL: baseUrl(undefined),
  CHAT_IMAGE_FORMAT: z.preprocess(
    (value) => (value === undefined || String(value).trim() === '' ? 'markdown' : String(value).trim().toLowerCase()),
    z.enum(['markdown', 'url'], { error: 'expected markdown or url' }),
  ),
  // how long responses of the Responses API are kept for previous_response_id (0: none are kept)
  RESPONSES_TTL_SECONDS: secondsAsMs(2_592_000, 31_536_000),

  // the routing config: how often the file is checked for changes (0: never), where online edits are kept without Redis
  CONFIG_WATCH_SECONDS: secondsAsMs(1, 3600),
  CONFIG_ONLINE_FILE: optionalText(),

  // upstream HTTP
  TIME_OUT: secondsAsMs(300, 86_400),
  MODELS_CACHE_SECONDS: secondsAsMs(600, 86_400),

  // outbound proxies (both spellings of the standard variables, as curl and Python read them)
  HTTPS_PROXY: proxyUrlText(),
  https_proxy: proxyUrlText(),
  HTTP_PROXY: proxyUrlText(),
  http_proxy: proxyUrlText(),
  NO_PROXY: stringList(),
  no_proxy: stringList(),
  PROXIES: proxyUrlList(),
  PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: flag(true),

  // key pools
  REDIS_URL: z.preprocess(
    (value) => (value === undefined || String(value).trim() === '' ? undefined : String(value).trim()),
    z
      .string()
      .superRefine((url, ctx) => {
        try {
          parseRedisUrl(url);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
  ),
  REDIS_KEY_PREFIX: z.preprocess((value) => (value === undefined || String(value).trim() === '' ? 'llmgw:' : String(value).trim()), z.string()),
  MAX_FAILURES: integer(3, 1, 1000),
  MAX_RETRIES: integer(3, 1, 20),
  CHECK_INTERVAL_HOURS: z.preprocess(
    (value, ctx) => {
      if (value === undefined || String(value).trim() === '') return 1;
      const number = Number(String(value).trim());
      if (!Number.isFinite(number) || number < 0) {
        ctx.addIssue({ code: 'custom', message: 'expected a number of hours (0 disables the check)' });
        return z.NEVER;
      }
      return number;
    },
    z.number().max(24 * 365, 'must be at most a year'),
  ),
  TEST_MODEL: optionalText(),
  RATE_LIMIT_COOLDOWN_SECONDS: secondsAsMs(60, 86_400),
  QUOTA_COOLDOWN_SECONDS: secondsAsMs(3600, 7 * 86_400),
  TRANSIENT_COOLDOWN_SECONDS: secondsAsMs(30, 86_400),
  UPSTREAM_KEY_LIMITS: jsonValue(z.record(z.string(), upstreamKeyLimit), {}),
  RATE_LIMIT_MAX_WAIT_SECONDS: secondsAsMs(10, 3600),

  // fetching media URLs that clients send (for providers that want the bytes inline)
  MEDIA_FETCH_MAX_SIZE: byteSize('20mb'),
  MEDIA_FETCH_TIMEOUT_SECONDS: secondsAsMs(15, 600),
  MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: flag(false),

  OPENAI_COMPATIBLE_PROVIDERS: jsonValue(z.array(compatibleProviderEntry), []),
});

/**
 * Every environment variable the gateway reads: its own, and each provider's (keys, base URL, its own settings),
 * as the providers declare them.
 */
export function envSchema(providers: Iterable<ConfigurableProvider>) {
  const shape: Record<string, z.ZodType> = {};
  for (const { env } of providers) {
    if (!env) continue;
    for (const name of env.keyVariables) shape[name] = stringList();
    for (const name of env.keyPairVariables ?? []) shape[name] = optionalText();
    for (const name of env.urlVariables) shape[name] = baseUrl(undefined, ENDPOINT_SUFFIXES);
    if (env.paidKeyVariable) shape[env.paidKeyVariable] = optionalText();
    Object.assign(shape, env.variables);
  }
  return gatewayEnvSchema.extend(shape);
}

export type RawEnvConfig = z.infer<typeof gatewayEnvSchema>;
