import { lastObjectOfKey } from '../../core/json-text.js';
import { type GeminiUsageMetadata, usageMetadataSchema } from './wire.js';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/**
 * Gemini `usageMetadata` → OpenAI `usage`. Thinking tokens are output the client pays for, so they count as
 * completion tokens and are reported as reasoning tokens (`candidatesTokenCount` excludes them); tool-use prompt
 * tokens (search results, fetched URLs) are prompt tokens; cached tokens are reported as such.
 */
export function toOpenAIUsage(usage: GeminiUsageMetadata): OpenAIUsage {
  const reasoning = usage.thoughtsTokenCount ?? 0;
  const prompt = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const completion = (usage.candidatesTokenCount ?? 0) + reasoning;
  const audio = (usage.promptTokensDetails ?? []).find((detail) => detail.modality === 'AUDIO')?.tokenCount ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.totalTokenCount ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: usage.cachedContentTokenCount ?? 0, audio_tokens: audio },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
}

/** The usage in the last `usageMetadata` of a Gemini answer's text (JSON or SSE), in OpenAI's shape. */
export function openAIUsageFromGeminiText(text: string): OpenAIUsage | undefined {
  const metadata = usageMetadataSchema.safeParse(lastObjectOfKey(text, 'usageMetadata'));
  return metadata.success ? toOpenAIUsage(metadata.data) : undefined;
}
