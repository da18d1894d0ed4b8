import { compatibleDefinition } from '../openai-compatible/definition.js';

/**
 * Zhipu GLM (BigModel) through its OpenAI-compatible v4 API: `zhipu/…`, bare `glm-*`, `embedding-2/3`. Its usage is
 * read as OpenAI's: cache hits come as `prompt_tokens_details.cached_tokens` (https://docs.z.ai/guides/capabilities/cache).
 */
export const zhipuDefinition = compatibleDefinition({
  kind: 'zhipu',
  env: { keyVariables: ['ZHIPU_API_KEY', 'ZHIPU_API_KEYS'], urlVariables: ['ZHIPU_BASE_URL'], defaultBaseUrl: 'https://open.bigmodel.cn/api/paas/v4' },
  modelFamilies: [/^glm-/, /^chatglm/, /^charglm/, /^cogview/, /^embedding-[2-9]$/],
  fallbackModels: ['glm-4.6', 'glm-4.5', 'glm-4.5-air', 'glm-4-flash', 'embedding-3'],
});
