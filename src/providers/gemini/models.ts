import type { UpstreamModel } from '../types.js';
import { IMAGE_SUFFIX, NON_THINKING_SUFFIX, SEARCH_SUFFIX, stripModelsPrefix, supportsSearchGrounding, supportsThinkingControl } from './model-name.js';
import type { GeminiModelList } from './wire.js';

type GeminiModel = NonNullable<GeminiModelList['models']>[number];

/** The operator's model lists, as gemini-balance names them. */
export interface ModelVariants {
  /** SEARCH_MODELS: also listed as `<model>-search`. */
  search: readonly string[];
  /** IMAGE_MODELS: also listed as `<model>-image`. */
  image: readonly string[];
  /** THINKING_MODELS: also listed as `<model>-non-thinking`. */
  thinking: readonly string[];
  /** FILTERED_MODELS: left out of the list, with their variants. */
  filtered: readonly string[];
}

const NO_VARIANTS: ModelVariants = { search: [], image: [], thinking: [], filtered: [] };

/**
 * Gemini's model list → the gateway's: chat models (generateContent), embedding models (embedContent) and Imagen
 * (predict) only, `models/` removed, and for chat models the gateway's variants: `-search` (Google Search grounding)
 * and `-non-thinking` (thinking off or at its minimum) where they apply (Gemini 2.0+ text models, thinking models) or
 * the operator listed the model (SEARCH_MODELS, THINKING_MODELS), `-image` (image output) for IMAGE_MODELS.
 * FILTERED_MODELS are left out.
 */
export function toUpstreamModels(models: readonly GeminiModel[], variants: ModelVariants = NO_VARIANTS): UpstreamModel[] {
  const listed = (names: readonly string[]) => new Set(names.map(stripModelsPrefix));
  const [search, image, thinking, filtered] = [listed(variants.search), listed(variants.image), listed(variants.thinking), listed(variants.filtered)];
  const result: UpstreamModel[] = [];
  const seen = new Set<string>();
  const add = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    result.push({ id });
  };
  for (const model of models) {
    const methods = model.supportedGenerationMethods ?? [];
    const chat = methods.includes('generateContent');
    // Imagen generates images through `predict` (served at /v1/images/generations).
    if (!chat && !methods.includes('embedContent') && !methods.includes('predict')) continue;
    const id = stripModelsPrefix(model.name);
    if (filtered.has(id)) continue;
    add(id);
    if (!chat) continue;
    if (supportsSearchGrounding(id) || search.has(id)) add(`${id}${SEARCH_SUFFIX}`);
    if (supportsThinkingControl(id) || thinking.has(id)) add(`${id}${NON_THINKING_SUFFIX}`);
    if (image.has(id)) add(`${id}${IMAGE_SUFFIX}`);
  }
  return result;
}
