import { compatibleDefinition } from '../openai-compatible/definition.js';
import { readDeepSeekUsage } from './usage.js';

/** `https://api.deepseek.com/beta/completions`, whether the base URL was configured with `/v1` or without. */
const deepSeekEndpointUrl = (endpoint: string, _model: string | undefined, baseUrl: string): string | undefined =>
  endpoint === 'completions' ? `${baseUrl.replace(/\/v1$/, '')}/beta/completions` : undefined;

/**
 * DeepSeek speaks OpenAI's protocol; `reasoning_content` of deepseek-reasoner passes through untouched. Its legacy
 * completions (fill-in-the-middle with `suffix`) live on the beta path, next to the API's own root.
 */
export const deepseekDefinition = compatibleDefinition({
  kind: 'deepseek',
  env: { keyVariables: ['DEEPSEEK_API_KEY', 'DEEPSEEK_API_KEYS'], urlVariables: ['DEEPSEEK_API_URL', 'DEEPSEEK_BASE_URL'], defaultBaseUrl: 'https://api.deepseek.com' },
  modelFamilies: [/^deepseek-/],
  fallbackModels: ['deepseek-chat', 'deepseek-reasoner'],
  adjustments: { readUsage: readDeepSeekUsage, ownApis: ['completions'], endpointUrl: deepSeekEndpointUrl },
});
