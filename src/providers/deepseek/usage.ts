import { tokenCount, tokenUsage } from '../../core/usage.js';
import { asWireUsage, openAIUsageParts, type UsageReader } from '../openai-compatible/usage.js';

/**
 * DeepSeek's usage (https://api-docs.deepseek.com/api/create-chat-completion, https://api-docs.deepseek.com/guides/kv_cache):
 * `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` = `prompt_tokens`; the hits are the cached part, billed at
 * the cache-hit rate. Newer answers repeat the hits as `prompt_tokens_details.cached_tokens`, older ones do not.
 * deepseek-reasoner reports `completion_tokens_details.reasoning_tokens`, inside `completion_tokens` as at OpenAI.
 */
export const readDeepSeekUsage: UsageReader = (value) => {
  const usage = asWireUsage(value);
  if (!usage) return undefined;
  const parts = openAIUsageParts(usage);
  const hits = tokenCount(usage.prompt_cache_hit_tokens);
  const promptFromCache = hits + tokenCount(usage.prompt_cache_miss_tokens);
  return tokenUsage({ ...parts, prompt: Math.max(tokenCount(parts.prompt), promptFromCache), cached: Math.max(hits, tokenCount(parts.cached)) });
};
