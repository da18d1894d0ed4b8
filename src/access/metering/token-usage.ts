
/** Token counts of one call, as the upstream reported them or as the gateway estimated them. */
export interface TokenUsage {
  prompt: number;
  completion: number;
  total: number;
  reasoning: number;
  cached: number;
  /** The upstream reported nothing; the counts are the gateway's estimate. */
  estimated: boolean;
}

export const NO_USAGE: TokenUsage = { prompt: 0, completion: 0, total: 0, reasoning: 0, cached: 0, estimated: false };

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0);

/** OpenAI's `usage` object (what every provider's answer is converted to) as TokenUsage; undefined if absent. */
export function usageFromObject(value: unknown): TokenUsage | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const usage = value as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    total_tokens?: unknown;
    prompt_tokens_details?: { cached_tokens?: unknown } | null;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  };
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  return {
    prompt,
    completion,
    total: count(usage.total_tokens) || prompt + completion,
    reasoning: count(usage.completion_tokens_details?.reasoning_tokens),
    cached: count(usage.prompt_tokens_details?.cached_tokens),
    estimated: false,
  };
}

export function estimatedUsage(prompt: number, completion: number): TokenUsage {
  return { prompt, completion, total: prompt + completion, reasoning: 0, cached: 0, estimated: true };
}
