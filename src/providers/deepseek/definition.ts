import { OpenAICompatibleProvider } from '../openai-compatible/provider.js';
import type { ProviderDefinition } from '../definition.js';

/** DeepSeek speaks OpenAI's protocol; `reasoning_content` of deepseek-reasoner passes through untouched. */
export const deepseekDefinition: ProviderDefinition = {
  kind: 'deepseek',
  env: {
    keyVariables: ['DEEPSEEK_API_KEY', 'DEEPSEEK_API_KEYS'],
    urlVariables: ['DEEPSEEK_API_URL', 'DEEPSEEK_BASE_URL'],
    defaultBaseUrl: 'https://api.deepseek.com',
  },
  aliases: [],
  modelFamilies: [/^deepseek-/],
  fallbackModels: ['deepseek-chat', 'deepseek-reasoner'],
  create: (settings, { http }) => new OpenAICompatibleProvider({ id: settings.id, baseUrl: settings.baseUrl, http }),
};
