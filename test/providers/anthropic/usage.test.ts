import test from 'ava';
import { NO_USAGE, type TokenUsage } from '../../../src/core/usage.js';
import { anthropicTokenUsage, mergeUsage, toOpenAIUsage } from '../../../src/providers/anthropic/usage.js';
import { anthropicMessageResponseSchema } from '../../../src/providers/anthropic/wire.js';
import { readJsonFixture } from '../../helpers/fixtures.js';
import { convert, fixtureEvents, sseEvent } from './stream-helpers.js';

const usageOfMessage = (message: unknown): TokenUsage => anthropicTokenUsage(anthropicMessageResponseSchema.parse(message).usage);

/** The events of a short text answer whose usage arrives as Anthropic streams it: message_start, then message_delta. */
const textStream = (startUsage: Record<string, unknown>, deltaUsage: Record<string, unknown>) => [
  sseEvent({ type: 'message_start', message: { id: 'msg_usage', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], usage: startUsage } }),
  sseEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  sseEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Cached.' } }),
  sseEvent({ type: 'content_block_stop', index: 0 }),
  sseEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: deltaUsage }),
  sseEvent({ type: 'message_stop' }),
];

test('usage: message_delta values replace message_start ones, missing ones are kept', (t) => {
  t.deepEqual(mergeUsage({ input_tokens: 43, output_tokens: 1, cache_read_input_tokens: 5 }, { output_tokens: 9, input_tokens: null }), {
    input_tokens: 43,
    output_tokens: 9,
    cache_read_input_tokens: 5,
  });
});

// The documented shape (https://platform.claude.com/docs/en/build-with-claude/prompt-caching#tracking-cache-performance),
// with both cache lifetimes and web searches; no recording has all of them, so both forms are built from it.
const documented = {
  input_tokens: 50,
  cache_creation_input_tokens: 3000,
  cache_read_input_tokens: 10000,
  cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
  output_tokens: 500,
  server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 },
};
const documentedUsage: TokenUsage = {
  ...NO_USAGE,
  prompt: 13050,
  completion: 500,
  total: 13550,
  cached: 10000,
  cacheWrite: 1000,
  cacheWriteLong: 2000,
  searches: 2,
};

test('cache reads, 5-minute and 1-hour writes and web searches: the same usage answered whole or streamed', async (t) => {
  t.deepEqual(usageOfMessage({ id: 'msg_usage', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Cached.' }], stop_reason: 'end_turn', usage: documented }), documentedUsage);
  const { server_tool_use: searches, output_tokens: output, ...input } = documented;
  const { converter, error } = await convert(textStream({ ...input, output_tokens: 1 }, { ...input, output_tokens: output, server_tool_use: searches }));
  t.is(error, undefined);
  t.deepEqual(converter.usage, documentedUsage);
});

test('the client sees all input as prompt_tokens, reads as cached_tokens, and Anthropic’s two cache counts beside them', (t) => {
  t.deepEqual(toOpenAIUsage(documented), {
    prompt_tokens: 13050,
    completion_tokens: 500,
    total_tokens: 13550,
    prompt_tokens_details: { cached_tokens: 10000, audio_tokens: 0 },
    cache_creation_input_tokens: 3000,
    cache_read_input_tokens: 10000,
  });
  t.like(toOpenAIUsage({ ...documented, output_tokens_details: { thinking_tokens: 120 } }), { completion_tokens_details: { reasoning_tokens: 120, audio_tokens: 0 } });
  t.deepEqual(toOpenAIUsage(undefined), {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  });
});

test('a recorded stream with prompt caching: message_delta raises the writes without repeating the split, which stay 5-minute ones', async (t) => {
  // message_start: 2 input, 3068 written (all 5-minute); message_delta, after two code executions: 6 input, 3337
  // written and 6289 read, no split.
  const expected: TokenUsage = { ...NO_USAGE, prompt: 9632, completion: 198, total: 9830, cached: 6289, cacheWrite: 3337 };
  const { converter, error } = await convert(fixtureEvents('anthropic-code-execution-20260120-prompt-cache.1'));
  t.is(error, undefined);
  t.deepEqual(converter.usage, expected);
  // Only the stream was recorded; the same message answered whole carries message_delta's usage.
  const whole = { input_tokens: 6, cache_creation_input_tokens: 3337, cache_read_input_tokens: 6289, output_tokens: 198, output_tokens_details: { thinking_tokens: 0 } };
  t.deepEqual(usageOfMessage({ id: 'msg_011CdYfpjpVtBoXyXCQD1tQP', model: 'claude-sonnet-5', content: [], usage: whole }), expected);
});

test('a 1-hour split larger than the writes (left over from message_start) is capped at them', async (t) => {
  const { converter } = await convert(
    textStream(
      { input_tokens: 5, cache_creation_input_tokens: 900, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 900 }, output_tokens: 1 },
      { cache_creation_input_tokens: 600, output_tokens: 4 },
    ),
  );
  t.deepEqual(converter.usage, { ...NO_USAGE, prompt: 605, completion: 4, total: 609, cacheWriteLong: 600 });
});

test('recorded web searches: server_tool_use.web_search_requests, whole and streamed', async (t) => {
  t.deepEqual(usageOfMessage(readJsonFixture('anthropic/anthropic-web-search-tool.1.json')), { ...NO_USAGE, prompt: 27118, completion: 600, total: 27718, searches: 2 });
  const { converter } = await convert(fixtureEvents('anthropic-web-search-tool.1'));
  t.deepEqual(converter.usage, { ...NO_USAGE, prompt: 15665, completion: 795, total: 16460, searches: 1 });
  // Web fetches cost only their tokens.
  t.is(usageOfMessage(readJsonFixture('anthropic/anthropic-web-fetch-tool.1.json')).searches, 0);
});

test('recorded thinking tokens are reasoning, inside the output', (t) => {
  t.deepEqual(usageOfMessage(readJsonFixture('anthropic/anthropic-claude-opus-5-reasoning-high.1.json')), { ...NO_USAGE, prompt: 51, completion: 1699, total: 1750, reasoning: 139 });
});
