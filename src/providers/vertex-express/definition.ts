import type { ProviderDefinition } from '../definition.js';
import { geminiDefinition } from '../gemini/definition.js';
import type { GeminiSettings } from '../gemini/options.js';

/** Vertex AI in express mode: Gemini's wire format under Google's publisher-model path, on an express-mode API key. */
export const DEFAULT_VERTEX_EXPRESS_BASE_URL = 'https://aiplatform.googleapis.com/v1beta1/publishers/google';

/**
 * Vertex AI express-mode keys (gemini-balance's VERTEX_API_KEYS, VERTEX_EXPRESS_BASE_URL) as a Gemini upstream of
 * its own: the Gemini provider at another base URL (`{base}/models/{model}:generateContent` is Vertex's
 * `publishers/google/models/{model}:generateContent`), with the Gemini settings (SAFETY_SETTINGS, THINKING_BUDGET_MAP, …), and its own key pool, so its keys
 * rotate, cool down and retire apart from API_KEYS. The key goes in `x-goog-api-key`, as Google's own SDK sends it
 * in express mode. Like gemini-balance, it serves only the native routes under `/vertex-express/v1beta`: no model
 * name on the OpenAI routes reaches it.
 */
export const vertexExpressDefinition: ProviderDefinition<void> = {
  kind: 'vertex-express',
  env: { keyVariables: ['VERTEX_API_KEYS'], urlVariables: ['VERTEX_EXPRESS_BASE_URL'], defaultBaseUrl: DEFAULT_VERTEX_EXPRESS_BASE_URL },
  aliases: [],
  modelFamilies: [],
  fallbackModels: [],
  nativeRoutesOnly: true,
  // Express mode has no model list to check a key with: a one-token call to a model every express key may use.
  probeModel: 'gemini-2.5-flash-lite',
  limitsPerModel: true,
  create: (settings, dependencies) => geminiDefinition.create(settings, dependencies, dependencies.config.providerOptions.gemini as GeminiSettings),
};
