import type { TokenUsage } from '../../core/usage.js';

/** Anthropic's `usage`: input that was neither read from nor written to the cache, the two cache parts, output. */
export interface MessageUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** A call's usage as Anthropic counts it: its three input parts do not overlap, and their sum is all input. */
export function toMessageUsage(usage: TokenUsage): MessageUsage {
  const written = usage.cacheWrite + usage.cacheWriteLong;
  return {
    input_tokens: Math.max(0, usage.prompt - usage.cached - written),
    cache_creation_input_tokens: written,
    cache_read_input_tokens: usage.cached,
    output_tokens: usage.completion,
  };
}

const STOP_REASONS: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

/** Anthropic's `stop_reason` for OpenAI's `finish_reason`. */
export const toStopReason = (finishReason: string | null | undefined): string => (finishReason && STOP_REASONS[finishReason]) || 'end_turn';
