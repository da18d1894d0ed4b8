import { lastObjectOfKey, lastStringOfKey } from '../../core/json-text.js';
import { tokenCount, tokenUsage, type TokenUsage } from '../../core/usage.js';
import { type ClientUsage, clientUsage } from '../shared/client-usage.js';
import {
  type GeminiGenerateContentResponse,
  type GeminiGroundingMetadata,
  type GeminiUsageMetadata,
  groundingMetadataSchema,
  usageMetadataSchema,
} from './wire.js';

type ModalityCounts = GeminiUsageMetadata['promptTokensDetails'];

const modalityTokens = (details: ModalityCounts, modality: string): number =>
  (details ?? []).reduce((sum, detail) => sum + (detail.modality === modality ? tokenCount(detail.tokenCount) : 0), 0);

/**
 * Gemini's `usageMetadata` (https://ai.google.dev/api/generate-content#UsageMetadata): `promptTokenCount` is the
 * whole prompt, `cachedContentTokenCount` (cached reads) included; `toolUsePromptTokenCount` (search results, fetched
 * pages) is input on top of it; `thoughtsTokenCount` is output on top of `candidatesTokenCount`; the total is all of
 * them. Per-modality counts (`promptTokensDetails`, `cacheTokensDetails`, `candidatesTokensDetails`) say what is
 * priced apart (https://ai.google.dev/gemini-api/docs/pricing): audio input (AUDIO, less what was read from the
 * cache, which counts as cached) and audio and image output; image and video input cost what text costs, so they
 * stay plain input.
 */
export function geminiTokenUsage(usage: GeminiUsageMetadata, searches = 0): TokenUsage {
  const thoughts = tokenCount(usage.thoughtsTokenCount);
  const audioInput =
    modalityTokens(usage.promptTokensDetails, 'AUDIO') + modalityTokens(usage.toolUsePromptTokensDetails, 'AUDIO') - modalityTokens(usage.cacheTokensDetails, 'AUDIO');
  return tokenUsage({
    prompt: tokenCount(usage.promptTokenCount) + tokenCount(usage.toolUsePromptTokenCount),
    completion: tokenCount(usage.candidatesTokenCount) + thoughts,
    total: usage.totalTokenCount,
    cached: usage.cachedContentTokenCount,
    audioInput,
    reasoning: thoughts,
    audioOutput: modalityTokens(usage.candidatesTokensDetails, 'AUDIO'),
    imageOutput: modalityTokens(usage.candidatesTokensDetails, 'IMAGE'),
    searches,
  });
}

/** Models before Gemini 3 bill Google Search grounding per grounded prompt; Gemini 3 and later per search query. */
const BILLED_PER_GROUNDED_PROMPT = /gemini-[12](?:[.-]|$)/;

/**
 * The grounded requests an answer is billed for (https://ai.google.dev/gemini-api/docs/pricing, "Grounding with
 * Google Search"): an answer grounded on Google Search (search queries or web sources in its `groundingMetadata`)
 * is one grounded prompt for Gemini 2.x and earlier, and one request per distinct search query for Gemini 3 and
 * later. `model` is the answer's `modelVersion` (or the model asked for); an answer not grounded on the web is 0.
 */
export function groundedSearches(groundings: readonly (GeminiGroundingMetadata | undefined)[], model: string): number {
  const queries = new Set<string>();
  let grounded = false;
  for (const metadata of groundings) {
    for (const query of metadata?.webSearchQueries ?? []) queries.add(query);
    if (queries.size > 0 || metadata?.groundingChunks?.some((chunk) => chunk.web)) grounded = true;
  }
  if (!grounded) return 0;
  return BILLED_PER_GROUNDED_PROMPT.test(model) ? 1 : Math.max(1, queries.size);
}

/** The usage of a complete `GenerateContentResponse`, grounded searches included; undefined when it reported none. */
export function geminiResponseUsage(response: GeminiGenerateContentResponse, model: string): TokenUsage | undefined {
  if (!response.usageMetadata) return undefined;
  const groundings = (response.candidates ?? []).map((candidate) => candidate.groundingMetadata);
  return geminiTokenUsage(response.usageMetadata, groundedSearches(groundings, response.modelVersion ?? model));
}

/** The client's usage, in OpenAI's shape (grounded searches have no place there). */
export const toOpenAIUsage = (usage: GeminiUsageMetadata): ClientUsage => clientUsage(geminiTokenUsage(usage));

/**
 * The usage in the end of a Gemini answer's text (JSON or SSE), as passed through: the last `usageMetadata`
 * (cumulative in a stream), the last `groundingMetadata` and `modelVersion`, each parsed alone.
 */
export function geminiUsageFromText(text: string, model: string): TokenUsage | undefined {
  const metadata = usageMetadataSchema.safeParse(lastObjectOfKey(text, 'usageMetadata'));
  if (!metadata.success) return undefined;
  const grounding = groundingMetadataSchema.safeParse(lastObjectOfKey(text, 'groundingMetadata'));
  return geminiTokenUsage(metadata.data, groundedSearches([grounding.success ? grounding.data : undefined], lastStringOfKey(text, 'modelVersion') ?? model));
}
