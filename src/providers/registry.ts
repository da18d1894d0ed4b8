import type { ProviderSettings } from '../config/load.js';
import { anthropicDefinition } from './anthropic/definition.js';
import { azureDefinition } from './azure/definition.js';
import { dashscopeDefinition } from './dashscope/definition.js';
import { deepseekDefinition } from './deepseek/definition.js';
import { geminiDefinition } from './gemini/definition.js';
import { huggingfaceDefinition } from './huggingface/definition.js';
import { minimaxDefinition } from './minimax/definition.js';
import { ollamaDefinition } from './ollama/definition.js';
import { sparkDefinition } from './spark/definition.js';
import { vertexExpressDefinition } from './vertex-express/definition.js';
import { zhipuDefinition } from './zhipu/definition.js';
import type { ProviderDefinition, ProviderDependencies } from './definition.js';
import { openaiCompatibleDefinition } from './openai-compatible/definition.js';
import { openaiDefinition } from './openai/definition.js';
import type { Provider } from './types.js';

/**
 * In routing order: a bare name goes to the first family that claims it (text-embedding-004 is Gemini's). Also the
 * order in which configured providers are listed.
 */
export const PROVIDER_DEFINITIONS: Readonly<Record<string, ProviderDefinition>> = {
  gemini: geminiDefinition,
  'vertex-express': vertexExpressDefinition,
  dashscope: dashscopeDefinition,
  zhipu: zhipuDefinition,
  openai: openaiDefinition,
  deepseek: deepseekDefinition,
  anthropic: anthropicDefinition,
  minimax: minimaxDefinition,
  spark: sparkDefinition,
  azure: azureDefinition,
  ollama: ollamaDefinition,
  huggingface: huggingfaceDefinition,
  'openai-compatible': openaiCompatibleDefinition,
};

/** A configured upstream: its settings, its definition and the provider object that talks to it. */
export interface ConfiguredProvider {
  settings: ProviderSettings;
  definition: ProviderDefinition;
  provider: Provider;
}

export function createProviders(settings: readonly ProviderSettings[], dependencies: ProviderDependencies): ConfiguredProvider[] {
  return settings.map((entry) => createProvider(entry, dependencies));
}

export function createProvider(entry: ProviderSettings, dependencies: ProviderDependencies): ConfiguredProvider {
  const definition = PROVIDER_DEFINITIONS[entry.kind];
  if (!definition) throw new Error(`no provider definition of kind "${entry.kind}"`);
  // An upstream with a timeout, a proxy or headers of its own gets an HTTP client of its own, and keeps the proxy
  // and headers in the clients it creates.
  const own = { proxy: entry.proxy, headers: entry.headers };
  const deps =
    entry.timeoutMs === undefined && entry.proxy === undefined && entry.headers === undefined
      ? dependencies
      : {
          ...dependencies,
          http: dependencies.createHttp(entry.timeoutMs ?? dependencies.config.upstreamTimeoutMs, own),
          createHttp: (timeoutMs: number) => dependencies.createHttp(timeoutMs, own),
        };
  return { settings: entry, definition, provider: definition.create(entry, deps, dependencies.config.providerOptions[entry.kind]) };
}
