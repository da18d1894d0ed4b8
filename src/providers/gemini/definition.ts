import { z } from 'zod';
import { flag, integer, jsonValue, secondsAsMs, stringList } from '../../config/env-values.js';
import { providerEnv } from '../../config/provider-env.js';
import type { ProviderDefinition } from '../definition.js';
import { DEFAULT_GEMINI_BASE_URL, type GeminiSettings } from './options.js';
import { GeminiProvider } from './provider.js';
import { LocalImageStore } from '../../media/image-store.js';

/** Gemini's variables; most are gemini-balance's names (API_KEYS, BASE_URL, SHOW_THINKING_PROCESS, …). */
export const geminiEnv = providerEnv({
  keyVariables: ['API_KEYS', 'GEMINI_API_KEYS', 'GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  urlVariables: ['BASE_URL', 'GEMINI_BASE_URL'],
  paidKeyVariable: 'PAID_KEY',
  defaultBaseUrl: DEFAULT_GEMINI_BASE_URL,
  variables: {
    SHOW_THINKING_PROCESS: flag(true),
    SEARCH_MODELS: stringList(),
    MODEL_SEARCH: stringList(),
    IMAGE_MODELS: stringList(),
    THINKING_MODELS: stringList(),
    FILTERED_MODELS: stringList(),
    SHOW_SEARCH_LINK: flag(true),
    TOOLS_CODE_EXECUTION_ENABLED: flag(false),
    URL_CONTEXT_ENABLED: flag(false),
    THINKING_BUDGET_MAP: jsonValue(z.record(z.string(), z.number({ error: 'budgets must be numbers' }).int('budgets must be whole numbers').min(-1)), {}),
    SAFETY_SETTINGS: jsonValue(z.array(z.object({ category: z.string(), threshold: z.string() }).strict()).optional(), undefined),
    FAKE_STREAM_ENABLED: flag(false),
    FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: secondsAsMs(5, 3600),
    STREAM_OPTIMIZER_ENABLED: flag(false),
    STREAM_MIN_DELAY: secondsAsMs(0.016, 10),
    STREAM_MAX_DELAY: secondsAsMs(0.024, 10),
    STREAM_SHORT_TEXT_THRESHOLD: integer(10, 0, 1_000_000),
    STREAM_LONG_TEXT_THRESHOLD: integer(50, 1, 1_000_000),
    STREAM_CHUNK_SIZE: integer(5, 1, 1_000_000),
    GEMINI_SCHEMA_MODE: z.preprocess(
      (value) => (value === undefined || String(value).trim() === '' ? 'json-schema' : String(value).trim().toLowerCase()),
      z.enum(['json-schema', 'openapi'], { error: 'expected json-schema or openapi' }),
    ),
  },
  options: (env): GeminiSettings => ({
    showThinking: env.SHOW_THINKING_PROCESS,
    searchModels: [...new Set([...env.SEARCH_MODELS, ...env.MODEL_SEARCH])],
    imageModels: env.IMAGE_MODELS,
    thinkingModels: env.THINKING_MODELS,
    filteredModels: env.FILTERED_MODELS,
    showSearchLink: env.SHOW_SEARCH_LINK,
    codeExecution: env.TOOLS_CODE_EXECUTION_ENABLED,
    urlContext: env.URL_CONTEXT_ENABLED,
    thinkingBudgetMap: env.THINKING_BUDGET_MAP,
    safetySettings: env.SAFETY_SETTINGS,
    schemaMode: env.GEMINI_SCHEMA_MODE,
    fakeStream: env.FAKE_STREAM_ENABLED ? { intervalMs: Math.max(1, env.FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS) } : undefined,
    streamOptimizer: env.STREAM_OPTIMIZER_ENABLED
      ? {
          minDelayMs: env.STREAM_MIN_DELAY,
          maxDelayMs: env.STREAM_MAX_DELAY,
          shortTextThreshold: env.STREAM_SHORT_TEXT_THRESHOLD,
          longTextThreshold: env.STREAM_LONG_TEXT_THRESHOLD,
          chunkSize: env.STREAM_CHUNK_SIZE,
        }
      : undefined,
  }),
});

export const geminiDefinition: ProviderDefinition<GeminiSettings> = {
  kind: 'gemini',
  env: geminiEnv,
  aliases: [],
  // `models/...` is Gemini's own resource spelling; `imagen-*` are its image models (`:predict`); text-embedding-004 is a Gemini model despite its name.
  modelFamilies: [/^gemini-/, /^imagen-/, /^gemma-/, /^learnlm-/, /^models\//, /^text-embedding-004$/, /^embedding-0\d\d$/, /^embedding-gecko/],
  fallbackModels: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-embedding-001', 'text-embedding-004'],
  // Free-tier quotas are per project and model (GenerateRequestsPerMinutePerProjectPerModel).
  limitsPerModel: true,
  create: (settings, { http, fetchMedia, config }, options) => {
    const { chatImageFormat, imageUploadDir, publicBaseUrl } = config.generatedMedia;
    const chatImages = chatImageFormat === 'url' ? new LocalImageStore(imageUploadDir, publicBaseUrl) : undefined;
    return new GeminiProvider({ id: settings.id, http, baseUrl: settings.baseUrl, fetchMedia, ...options, chatImageLink: chatImages && ((mimeType, base64) => chatImages.saveNow(base64, mimeType)) });
  },
};
