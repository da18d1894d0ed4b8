import type { UpstreamModel } from '../types.js';
import { NON_THINKING_SUFFIX, SEARCH_SUFFIX, stripModelsPrefix, supportsSearchGrounding, supportsThinkingControl } from './model-name.js';
import type { GeminiModelList } from './wire.js';

type GeminiModel = NonNullable<GeminiModelList['models']>[number];

/**
 * Gemini's model list → the gateway's: chat models (generateContent), embedding models (embedContent) and Imagen (predict) only,
 * `models/` removed, and for chat models the gateway's variants where they apply: `-search` (Google Search
 * grounding, Gemini 2.0+ text models) and `-non-thinking` (thinking off or at its minimum, thinking models).
 */
export function toUpstreamModels(models: readonly GeminiModel[]): UpstreamModel[] {
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
    add(id);
    if (!chat) continue;
    if (supportsSearchGrounding(id)) add(`${id}${SEARCH_SUFFIX}`);
    if (supportsThinkingControl(id)) add(`${id}${NON_THINKING_SUFFIX}`);
  }
  return result;
}
