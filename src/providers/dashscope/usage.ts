import { tokenCount, tokenUsage } from '../../core/usage.js';
import { asWireUsage, openAIUsageParts, type UsageReader } from '../openai-compatible/usage.js';

/**
 * DashScope's compatible-mode usage (https://www.alibabacloud.com/help/en/model-studio/context-cache): OpenAI's
 * fields, and with an explicit cache `prompt_tokens_details.cache_creation_input_tokens`, the part of
 * `prompt_tokens` written to the 5-minute cache (billed at 125% of input); `cached_tokens` are cache hits (implicit
 * or explicit).
 */
export const readDashScopeUsage: UsageReader = (value) => {
  const usage = asWireUsage(value);
  return usage && tokenUsage({ ...openAIUsageParts(usage), cacheWrite: tokenCount(usage.prompt_tokens_details?.cache_creation_input_tokens) });
};
