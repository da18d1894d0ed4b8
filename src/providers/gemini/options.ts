import type { MediaFetcher } from '../../upstream/media.js';
import type { GeminiSafetySetting } from './wire.js';
import type { StreamOptimizerSettings } from '../shared/stream-shaping.js';

export const DEFAULT_GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/**
 * How tool parameter schemas (and `response_format.json_schema`) are sent:
 * - `json-schema` (default): untouched JSON Schema in `parametersJsonSchema` / `responseJsonSchema`. Lossless
 *   (unions, `$ref`, `additionalProperties` survive) and never fails on unknown keywords, because Gemini reads it
 *   as a plain JSON value rather than through its protobuf Schema mapper.
 * - `openapi`: the legacy `parameters` / `responseSchema` fields with the schema sanitised to Gemini's OpenAPI
 *   subset; for upstreams (older proxies, older API versions) that do not know the JSON Schema fields.
 */
export type GeminiSchemaMode = 'json-schema' | 'openapi';

/** What the operator decides about Gemini calls; the gateway fills it from its configuration. */
export interface GeminiOptions {
  /** `https://generativelanguage.googleapis.com/v1beta` unless the operator points at a proxy (GEMINI_BASE_URL). */
  baseUrl: string;
  /** Return thought summaries as `reasoning_content` (asks Gemini for `includeThoughts`). SHOW_THINKING_PROCESS. */
  showThinking: boolean;
  /**
   * Models also listed as `<model>-search`, the variant with Google Search grounding (any `…-search` name gets it;
   * the plain model never does). SEARCH_MODELS.
   */
  searchModels: string[];
  /** Models also listed (and served) as `<model>-image`: the model with image output. IMAGE_MODELS. */
  imageModels?: string[];
  /** Models also listed as `<model>-non-thinking` (thinking budget 0, or Pro's minimum). THINKING_MODELS. */
  thinkingModels?: string[];
  /** Models left out of the model list. FILTERED_MODELS. */
  filteredModels?: string[];
  /** Append grounding sources to the answer as markdown links and `url_citation` annotations. SHOW_SEARCH_LINK. */
  showSearchLink: boolean;
  /** Offer Gemini's server-side code execution tool. TOOLS_CODE_EXECUTION_ENABLED. */
  codeExecution: boolean;
  /** Offer Gemini's URL context tool. URL_CONTEXT_ENABLED. */
  urlContext: boolean;
  /** Model → thinking budget in tokens (-1 dynamic, 0 off), used when the client sends no reasoning_effort. THINKING_BUDGET_MAP. */
  thinkingBudgetMap: Record<string, number>;
  /** Replaces the default (every category `OFF`) when set. SAFETY_SETTINGS. */
  safetySettings?: GeminiSafetySetting[];
  /** Fetches http(s) media URLs the client sent, since Gemini cannot fetch them itself. */
  fetchMedia: MediaFetcher;
  /** Stream requests answered from a non-streaming call with keep-alives meanwhile. FAKE_STREAM_ENABLED. */
  fakeStream?: { intervalMs: number } | undefined;
  /** Large text deltas split into steadier pieces. STREAM_OPTIMIZER_ENABLED and its STREAM_* settings. */
  streamOptimizer?: StreamOptimizerSettings | undefined;
  /** See GeminiSchemaMode; `json-schema` when unset. */
  schemaMode?: GeminiSchemaMode;
  /** Images in chat answers linked from copies the gateway serves, not inlined as data URLs. CHAT_IMAGE_FORMAT=url. */
  chatImageLink?: (mimeType: string, base64: string) => string;
}

/** The operator's Gemini settings: the options that come from the environment. */
export type GeminiSettings = Omit<GeminiOptions, 'baseUrl' | 'fetchMedia' | 'chatImageLink'>;

/**
 * Safety filters off, so behaviour resembles OpenAI's. `HARM_CATEGORY_CIVIC_INTEGRITY` is left out on purpose: it
 * is deprecated and several models reject it (`safety_settings[4]: element predicate failed`).
 */
export const DEFAULT_SAFETY_SETTINGS: readonly GeminiSafetySetting[] = [
  { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'OFF' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'OFF' },
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', threshold: 'OFF' },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'OFF' },
];
