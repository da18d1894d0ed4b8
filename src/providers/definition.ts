import type { GatewayConfig, ProviderKind, ProviderSettings } from '../config/load.js';
import type { ProviderEnv } from '../config/provider-env.js';
import type { UpstreamHttp } from '../upstream/http-client.js';
import type { MediaFetcher } from '../upstream/media.js';
import type { Provider } from './types.js';

/** What an upstream may set for its own HTTP client: an outbound proxy, headers sent with every call. */
export interface OwnHttpSettings {
  proxy?: string | undefined;
  headers?: Readonly<Record<string, string>> | undefined;
}

export interface ProviderDependencies {
  http: UpstreamHttp;
  /**
   * A client with a timeout of its own (Ollama's OLLAMA_TIMEOUT), or a proxy of its own (an upstream's `proxy`,
   * carried by the client it is given); closed with the gateway.
   */
  createHttp(timeoutMs: number, own?: OwnHttpSettings): UpstreamHttp;
  /** For media URLs clients send to providers that need the bytes inline. */
  fetchMedia: MediaFetcher;
  /** The gateway's configuration; each provider's own settings are in `providerOptions`, by kind. */
  config: GatewayConfig;
}

/**
 * What the gateway knows about one kind of upstream before any configuration: its names, the environment variables
 * that configure it, and how to build it.
 */
export interface ProviderDefinition<Options = unknown> {
  kind: ProviderKind;
  /** How the environment configures it; none for upstreams configured otherwise (OPENAI_COMPATIBLE_PROVIDERS). */
  env?: ProviderEnv<Options>;
  /** Other names clients may use as the model prefix (`claude/…` for Anthropic). */
  aliases: readonly string[];
  /** Bare model names routed to this provider when it is configured (`gpt-4o` → OpenAI). */
  modelFamilies: readonly RegExp[];
  /** Listed in `/v1/models` when the upstream's own list cannot be fetched. */
  fallbackModels: readonly string[];
  /** The upstream may run without a key (a local server): an empty pool calls it with none. */
  allowsKeyless?: boolean;
  /**
   * The upstream's rate limits are per key and model: when configured from the environment, a rate-limited key
   * rests for that model only and still serves the others (a config file upstream says so with `cooldown_per_model`).
   */
  limitsPerModel?: boolean;
  /**
   * Reached only through routes of its own (`/vertex-express/v1beta/...`): no model name on the shared routes, bare or
   * `provider/model`, resolves to it, and the model list leaves it out.
   */
  nativeRoutesOnly?: boolean;
  /** The model a key is checked with (a one-token call) when the upstream has no model list to check it with. */
  probeModel?: string;
  /** Built on the OpenAI-compatible base: an upstream's `passthrough` setting may name OpenAI's other APIs it serves. */
  openAICompatible?: boolean;
  /** `options` are the provider's own settings, as its `env.options` read them. */
  create(settings: ProviderSettings, dependencies: ProviderDependencies, options: Options): Provider;
}
