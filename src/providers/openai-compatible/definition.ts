import type { ProviderDefinition } from '../definition.js';
import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from './provider.js';

type CompatibleDefinition = Omit<ProviderDefinition, 'aliases' | 'create'> & {
  aliases?: readonly string[];
  /** How this upstream deviates from OpenAI's API, if it does. */
  adjustments?: Omit<OpenAICompatibleOptions, 'id' | 'baseUrl' | 'http'>;
};

/** The definition of an upstream that speaks OpenAI's protocol: its names and variables, on the shared base. */
export function compatibleDefinition({ adjustments, ...definition }: CompatibleDefinition): ProviderDefinition {
  return {
    aliases: [],
    ...definition,
    openAICompatible: true,
    create: (settings, { http }) =>
      new OpenAICompatibleProvider({ ...adjustments, id: settings.id, baseUrl: settings.baseUrl, http, ownApis: settings.passthroughApis ?? adjustments?.ownApis }),
  };
}

/**
 * A named third-party OpenAI-compatible upstream; its models are the ones the operator declared for it. Responses and
 * legacy completions are converted to chat for it unless its `passthrough` setting says it serves them itself.
 */
export const openaiCompatibleDefinition = compatibleDefinition({ kind: 'openai-compatible', modelFamilies: [], fallbackModels: [], allowsKeyless: true });
