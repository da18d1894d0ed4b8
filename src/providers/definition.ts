import type { GatewayConfig, ProviderKind, ProviderSettings } from '../config/load.js';
import type { UpstreamHttp } from '../upstream/http-client.js';
import type { MediaFetcher } from '../upstream/media.js';
import type { Provider } from './types.js';

export interface ProviderDependencies {
  http: UpstreamHttp;
  /** A client with a timeout of its own (Ollama's OLLAMA_TIMEOUT); closed with the gateway. */
  createHttp(timeoutMs: number): UpstreamHttp;
  /** For media URLs clients send to providers that need the bytes inline. */
  fetchMedia: MediaFetcher;
  /** Provider-specific settings (Gemini's thinking and search options, …). */
  config: GatewayConfig;
}

/** What the gateway knows about one kind of upstream before any configuration: its names and how to build it. */
export interface ProviderDefinition {
  kind: ProviderKind;
  /** Other names clients may use as the model prefix (`claude/…` for Anthropic). */
  aliases: readonly string[];
  /** Bare model names routed to this provider when it is configured (`gpt-4o` → OpenAI). */
  modelFamilies: readonly RegExp[];
  /** Listed in `/v1/models` when the upstream's own list cannot be fetched. */
  fallbackModels: readonly string[];
  /** The upstream may run without a key (a local server): an empty pool calls it with none. */
  allowsKeyless?: boolean;
  create(settings: ProviderSettings, dependencies: ProviderDependencies): Provider;
}
