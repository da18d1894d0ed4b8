import { tokenCount, tokenUsage, type TokenUsage } from '../../core/usage.js';
import { type ClientUsage, clientUsage } from '../shared/client-usage.js';
import type { AnthropicUsage } from './wire.js';

/**
 * Anthropic's `usage` (https://platform.claude.com/docs/en/build-with-claude/prompt-caching#tracking-cache-performance)
 * counts input in three parts that do not overlap: `input_tokens` (after the last cache breakpoint, neither read
 * nor written), `cache_creation_input_tokens` (written to the cache) and `cache_read_input_tokens`. All input is
 * their sum. The writes are split by time to live in `cache_creation.ephemeral_5m_input_tokens` and
 * `.ephemeral_1h_input_tokens` (priced 1.25× and 2× input); a write without that split is a 5-minute one, the
 * default. `output_tokens` include thinking; `output_tokens_details.thinking_tokens`, when sent, says how many.
 * `server_tool_use.web_search_requests` are web searches, billed per search
 * (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool#usage-and-pricing); web fetches cost
 * only their tokens.
 */
export function anthropicTokenUsage(usage: AnthropicUsage | null | undefined): TokenUsage {
  const written = tokenCount(usage?.cache_creation_input_tokens);
  // The message_delta of a server-tool loop may raise the write total without repeating the split.
  const writtenLong = Math.min(tokenCount(usage?.cache_creation?.ephemeral_1h_input_tokens), written);
  const read = tokenCount(usage?.cache_read_input_tokens);
  return tokenUsage({
    prompt: tokenCount(usage?.input_tokens) + written + read,
    completion: usage?.output_tokens as number,
    cached: read,
    cacheWrite: written - writtenLong,
    cacheWriteLong: writtenLong,
    reasoning: usage?.output_tokens_details?.thinking_tokens as number,
    searches: usage?.server_tool_use?.web_search_requests as number,
  });
}

/** OpenAI's `usage` object for an Anthropic answer, with Anthropic's cache counts beside it (as LiteLLM reports them). */
export interface AnthropicClientUsage extends ClientUsage {
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * The client's usage: `prompt_tokens` is all input (OpenAI's meaning), `cached_tokens` the cache reads, reasoning
 * only when Anthropic said how much of the output was thinking.
 */
export function toOpenAIUsage(usage: AnthropicUsage | null | undefined): AnthropicClientUsage {
  const tokens = anthropicTokenUsage(usage);
  const reasoningReported = typeof usage?.output_tokens_details?.thinking_tokens === 'number';
  return {
    ...clientUsage(tokens, reasoningReported),
    cache_creation_input_tokens: tokens.cacheWrite + tokens.cacheWriteLong,
    cache_read_input_tokens: tokens.cached,
  };
}

/**
 * Combines the usage of `message_start` with the later `message_delta` one: a field the delta carries replaces the
 * earlier value (Anthropic's counts there are cumulative), a field it leaves out keeps it.
 */
export function mergeUsage(start: AnthropicUsage | null | undefined, delta: AnthropicUsage | null | undefined): AnthropicUsage {
  const merged: AnthropicUsage = { ...start };
  if (!delta) return merged;
  for (const [field, value] of Object.entries(delta)) {
    if (value !== null && value !== undefined) merged[field] = value;
  }
  return merged;
}
