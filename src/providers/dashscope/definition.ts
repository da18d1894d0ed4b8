import { compatibleDefinition } from '../openai-compatible/definition.js';
import { dropEmptyToolCallIds } from './stream-repair.js';
import { readDashScopeUsage } from './usage.js';

/** Alibaba DashScope (Qwen) through its OpenAI-compatible mode: `dashscope/…`, bare `qwen*`, `qwq-*`, `farui-plus`. */
export const dashscopeDefinition = compatibleDefinition({
  kind: 'dashscope',
  env: { keyVariables: ['DASHSCOPE_API_KEY', 'DASHSCOPE_API_KEYS'], urlVariables: ['DASHSCOPE_BASE_URL'], defaultBaseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1' },
  modelFamilies: [/^qwen/, /^qwq-/, /^qvq-/, /^farui-/, /^text-embedding-v\d+$/],
  fallbackModels: ['qwen-max', 'qwen-plus', 'qwen-turbo', 'qwen3-max', 'text-embedding-v4'],
  adjustments: { readUsage: readDashScopeUsage, repairStreamEvent: dropEmptyToolCallIds },
});
