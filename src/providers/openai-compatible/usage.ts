import { tokenCount, tokenUsage, type TokenUsage } from '../../core/usage.js';

/** How a provider reads the `usage` object of its OpenAI-shaped answers; undefined when there is none. */
export type UsageReader = (usage: unknown) => TokenUsage | undefined;

export interface OpenAIWireUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  total_tokens?: unknown;
  prompt_tokens_details?: { cached_tokens?: unknown; audio_tokens?: unknown; cache_creation_input_tokens?: unknown } | null;
  completion_tokens_details?: { reasoning_tokens?: unknown; audio_tokens?: unknown } | null;
  prompt_cache_hit_tokens?: unknown;
  prompt_cache_miss_tokens?: unknown;
}

export const asWireUsage = (value: unknown): OpenAIWireUsage | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as OpenAIWireUsage) : undefined;

/**
 * OpenAI's Chat Completions and Embeddings `usage` (https://platform.openai.com/docs/api-reference/chat/object):
 * `prompt_tokens_details.cached_tokens` and `.audio_tokens` are parts of `prompt_tokens`;
 * `completion_tokens_details.reasoning_tokens` and `.audio_tokens` are parts of `completion_tokens`. The predicted
 * output counts (`accepted_prediction_tokens`, `rejected_prediction_tokens`) are billed as ordinary completion
 * tokens, which they already are, so they are not read.
 *
 * Some compatible servers count reasoning apart from `completion_tokens` (xAI's Grok: completion 2, reasoning 340,
 * total 354). When `total_tokens` is exactly prompt + completion + reasoning, the reasoning is added to the
 * completion, so it is neither lost nor capped away.
 */
export const readOpenAIUsage: UsageReader = (value) => {
  const usage = asWireUsage(value);
  return usage && tokenUsage(openAIUsageParts(usage));
};

/** The parts of an OpenAI-shaped usage, for readers that add their provider's own fields. */
export function openAIUsageParts(usage: OpenAIWireUsage): Parameters<typeof tokenUsage>[0] {
  const prompt = tokenCount(usage.prompt_tokens);
  const reasoning = tokenCount(usage.completion_tokens_details?.reasoning_tokens);
  let completion = tokenCount(usage.completion_tokens);
  if (reasoning > 0 && tokenCount(usage.total_tokens) === prompt + completion + reasoning) completion += reasoning;
  return {
    prompt,
    completion,
    total: tokenCount(usage.total_tokens),
    cached: tokenCount(usage.prompt_tokens_details?.cached_tokens),
    audioInput: tokenCount(usage.prompt_tokens_details?.audio_tokens),
    reasoning,
    audioOutput: tokenCount(usage.completion_tokens_details?.audio_tokens),
  };
}

interface ResponsesWireUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  total_tokens?: unknown;
  input_tokens_details?: { cached_tokens?: unknown } | null;
  output_tokens_details?: { reasoning_tokens?: unknown } | null;
}

/**
 * The Responses API's `usage` (https://platform.openai.com/docs/api-reference/responses/object#usage):
 * `input_tokens_details.cached_tokens` is part of `input_tokens`, `output_tokens_details.reasoning_tokens` part of
 * `output_tokens`.
 */
export const readResponsesUsage: UsageReader = (value) => {
  const usage = asWireUsage(value) as ResponsesWireUsage | undefined;
  return (
    usage &&
    tokenUsage({
      prompt: tokenCount(usage.input_tokens),
      completion: tokenCount(usage.output_tokens),
      total: tokenCount(usage.total_tokens),
      cached: tokenCount(usage.input_tokens_details?.cached_tokens),
      reasoning: tokenCount(usage.output_tokens_details?.reasoning_tokens),
    })
  );
};

interface MediaWireUsage extends ResponsesWireUsage {
  type?: unknown;
  seconds?: unknown;
  input_tokens_details?: { cached_tokens?: unknown; image_tokens?: unknown; audio_tokens?: unknown } | null;
}

/**
 * The `usage` of OpenAI's Images and Audio APIs (https://platform.openai.com/docs/api-reference/images/object):
 * gpt-image-1 counts `input_tokens` (its `image_tokens` and `text_tokens` parts) and `output_tokens`, which are image
 * tokens; gpt-4o-transcribe counts tokens with `audio_tokens` among the input; whisper-1 reports
 * `{"type": "duration", "seconds": 37}`, billed by the second.
 */
export function readMediaUsage(value: unknown, outputIsImage: boolean): TokenUsage | undefined {
  const usage = asWireUsage(value) as MediaWireUsage | undefined;
  if (!usage) return undefined;
  if (usage.type === 'duration') {
    const seconds = typeof usage.seconds === 'number' && Number.isFinite(usage.seconds) && usage.seconds > 0 ? usage.seconds : 0;
    return tokenUsage({ media: { images: 0, imageSize: '', audioSeconds: seconds, characters: 0 } });
  }
  const completion = tokenCount(usage.output_tokens);
  return tokenUsage({
    prompt: tokenCount(usage.input_tokens),
    completion,
    total: tokenCount(usage.total_tokens),
    imageInput: tokenCount(usage.input_tokens_details?.image_tokens),
    audioInput: tokenCount(usage.input_tokens_details?.audio_tokens),
    imageOutput: outputIsImage ? completion : 0,
  });
}
