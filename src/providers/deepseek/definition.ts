import { compatibleDefinition } from '../openai-compatible/definition.js';

/** DeepSeek speaks OpenAI's protocol; `reasoning_content` of deepseek-reasoner passes through untouched. */
export const deepseekDefinition = compatibleDefinition({
  kind: 'deepseek',
  env: { keyVariables: ['DEEPSEEK_API_KEY', 'DEEPSEEK_API_KEYS'], urlVariables: ['DEEPSEEK_API_URL', 'DEEPSEEK_BASE_URL'], defaultBaseUrl: 'https://api.deepseek.com' },
  modelFamilies: [/^deepseek-/],
  fallbackModels: ['deepseek-chat', 'deepseek-reasoner'],
});
