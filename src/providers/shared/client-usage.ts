import type { TokenUsage } from '../../core/usage.js';

/** OpenAI's `usage` object as the gateway writes it for answers it converts from another provider's format. */
export interface ClientUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number; audio_tokens: number };
}

/**
 * The usage a client reads, in OpenAI's shape, from the usage the gateway meters. `completion_tokens_details` is
 * left out when the upstream did not say how much of the output was reasoning, rather than claiming none.
 */
export function clientUsage(usage: TokenUsage, reasoningReported = true): ClientUsage {
  const shown: ClientUsage = {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.total,
    prompt_tokens_details: { cached_tokens: usage.cached, audio_tokens: usage.audioInput },
  };
  if (reasoningReported) shown.completion_tokens_details = { reasoning_tokens: usage.reasoning, audio_tokens: usage.audioOutput };
  return shown;
}
