/**
 * Gemini model names as the gateway sees them: `models/` prefixes, the gateway's own `-search` and `-non-thinking`
 * suffixes, and the model generation, which decides how thinking is controlled and whether thought signatures are
 * enforced.
 */

export const SEARCH_SUFFIX = '-search';
export const NON_THINKING_SUFFIX = '-non-thinking';
/** gemini-balance's image variant: the base model with image output. Only for models in IMAGE_MODELS, since real model names end in `-image` too. */
export const IMAGE_SUFFIX = '-image';

export interface GeminiModelRoute {
  /** The model Gemini knows: no `models/` prefix and none of the gateway's suffixes. */
  model: string;
  /** Google Search grounding requested by the `-search` suffix or the operator's search-model list. */
  search: boolean;
  /** Thinking off (or at its minimum) requested by the `-non-thinking` suffix. */
  nonThinking: boolean;
  /** Image output requested by the `-image` suffix on a model of IMAGE_MODELS. */
  image: boolean;
}

export const stripModelsPrefix = (name: string): string => (name.startsWith('models/') ? name.slice('models/'.length) : name);

/**
 * The gateway's suffixes read off a model name: `-search` (Google Search grounding) and `-non-thinking` on any
 * model, `-image` (image output) on the models the operator listed in IMAGE_MODELS.
 */
export function parseGeminiModel(upstreamModel: string, imageModels: readonly string[] = []): GeminiModelRoute {
  let model = stripModelsPrefix(upstreamModel);
  let search = false;
  let nonThinking = false;
  let image = false;
  for (;;) {
    if (model.endsWith(SEARCH_SUFFIX) && model.length > SEARCH_SUFFIX.length) {
      search = true;
      model = model.slice(0, -SEARCH_SUFFIX.length);
    } else if (model.endsWith(NON_THINKING_SUFFIX) && model.length > NON_THINKING_SUFFIX.length) {
      nonThinking = true;
      model = model.slice(0, -NON_THINKING_SUFFIX.length);
    } else if (!image && model.endsWith(IMAGE_SUFFIX) && imageModels.some((name) => `${stripModelsPrefix(name)}${IMAGE_SUFFIX}` === model)) {
      image = true;
      model = model.slice(0, -IMAGE_SUFFIX.length);
    } else {
      break;
    }
  }
  return { model, search, nonThinking, image };
}

/** `gemini-2.5-flash` → 2.5, `gemini-3.1-pro-preview` → 3.1; undefined for aliases and non-Gemini models. */
export function geminiGeneration(model: string): number | undefined {
  const match = /^gemini-(\d+(?:\.\d+)?)(?:-|$)/.exec(model);
  return match ? Number(match[1]) : undefined;
}

/** Gemini 3 and later enforce thought signatures on function calls and control thinking by level. */
export const isGemini3OrLater = (model: string): boolean => (geminiGeneration(model) ?? 0) >= 3;

/**
 * How a model's thinking is controlled: `level` (Gemini 3+: thinkingLevel), `budget` (2.5 and the `-latest`
 * aliases: thinkingBudget, which Gemini 3 also still accepts) or `none` (models that do not think, where a
 * thinkingConfig is an error).
 */
export type ThinkingControl = 'level' | 'budget' | 'none';

export function thinkingControlOf(model: string): ThinkingControl {
  const generation = geminiGeneration(model);
  if (generation !== undefined) {
    if (generation >= 3) return 'level';
    return generation >= 2.5 ? 'budget' : 'none';
  }
  return /^gemini-(?:flash|flash-lite|pro)-latest$/.test(model) ? 'budget' : 'none';
}

export const isProModel = (model: string): boolean => /-pro(?:-|$)/.test(model);

/** Models that are not chat models even though they support generateContent. */
const SPECIALISED = /(?:image|tts|native-audio|live|embedding|computer-use|robotics)/;

/** Whether Google Search grounding applies, so a `-search` variant makes sense (Gemini 2.0 and later text models). */
export function supportsSearchGrounding(model: string): boolean {
  const generation = geminiGeneration(model);
  return generation !== undefined && generation >= 2 && !SPECIALISED.test(model);
}

/** Whether a `-non-thinking` variant makes sense: text models that think by default. */
export function supportsThinkingControl(model: string): boolean {
  return thinkingControlOf(model) !== 'none' && !SPECIALISED.test(model);
}
