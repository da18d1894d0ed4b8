import type { ProviderDefinition } from '../definition.js';
import { OpenAICompatibleProvider } from '../openai-compatible/provider.js';

/**
 * Gemini's own OpenAI-compatible endpoint (`<base>/openai`), served beside the native API and built from the
 * Gemini provider's settings, so it uses the same key pool. Not in the registry: no model routes to it by name.
 */
export const geminiOpenAIDefinition: ProviderDefinition<void> = {
  kind: 'gemini-openai',
  aliases: [],
  modelFamilies: [],
  fallbackModels: [],
  create: (geminiSettings, { http }) => new OpenAICompatibleProvider({ id: geminiSettings.id, baseUrl: `${geminiSettings.baseUrl}/openai`, http }),
};
