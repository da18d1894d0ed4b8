import { compatibleDefinition } from '../openai-compatible/definition.js';

export const openaiDefinition = compatibleDefinition({
  kind: 'openai',
  env: { keyVariables: ['OPENAI_API_KEY', 'OPENAI_API_KEYS'], urlVariables: ['OPENAI_BASE_URL', 'OPENAI_API_BASE'], defaultBaseUrl: 'https://api.openai.com/v1' },
  modelFamilies: [/^gpt-/, /^chatgpt-/, /^o\d/, /^text-embedding-/, /^omni-moderation/, /^codex-/, /^dall-e-/, /^tts-/, /^whisper-/],
  fallbackModels: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large'],
  adjustments: { ownApis: ['responses', 'completions', 'images', 'audio'] },
});
