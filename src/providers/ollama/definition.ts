import { z } from 'zod';
import { secondsAsMs } from '../../config/env-values.js';
import { providerEnv } from '../../config/provider-env.js';
import type { ProviderDefinition } from '../definition.js';
import { OllamaProvider } from './provider.js';

/** Ollama's own API (`ollama/<model>`); a local Ollama needs no key, and gets its own timeout (OLLAMA_TIMEOUT). */
export const ollamaDefinition: ProviderDefinition<{ timeoutMs: number }> = {
  kind: 'ollama',
  env: providerEnv({
    keyVariables: ['OLLAMA_API_KEY'],
    // OLLAMA_BASEURL is the older gateways' spelling.
    urlVariables: ['OLLAMA_URL', 'OLLAMA_BASEURL', 'OLLAMA_BASE_URL'],
    defaultBaseUrl: 'http://localhost:11434',
    enabledBy: ['OLLAMA_URL', 'OLLAMA_BASEURL', 'OLLAMA_BASE_URL'],
    // Seconds; TIME_OUT when unset: a model loading can keep Ollama silent for a while.
    variables: {
      OLLAMA_TIMEOUT: z.preprocess((value) => (value === undefined || String(value).trim() === '' ? undefined : value), secondsAsMs(0, 86_400).optional()),
    },
    options: (env, common) => ({ timeoutMs: env.OLLAMA_TIMEOUT ?? common.upstreamTimeoutMs }),
  }),
  aliases: [],
  modelFamilies: [],
  fallbackModels: [],
  allowsKeyless: true,
  create: (settings, { createHttp, fetchMedia }, options) =>
    new OllamaProvider({ id: settings.id, baseUrl: settings.baseUrl, http: createHttp(options.timeoutMs), fetchMedia }),
};
