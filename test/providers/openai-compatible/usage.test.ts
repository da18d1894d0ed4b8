import test from 'ava';
import { NO_USAGE } from '../../../src/core/usage.js';
import { readOpenAIUsage } from '../../../src/providers/openai-compatible/usage.js';
import { compatibleUsage } from '../../helpers/compatible-usage.js';
import { readChunkLines, readJsonFixture } from '../../helpers/fixtures.js';

const lastStreamedUsage = (name: string): unknown => (JSON.parse(readChunkLines(`${name}.chunks.txt`).at(-1)!) as { usage: unknown }).usage;

test('OpenAI: cached and audio input inside prompt_tokens, reasoning and audio output inside completion_tokens, whole and streamed', async (t) => {
  // The shape of OpenAI's prompt caching guide (https://platform.openai.com/docs/guides/prompt-caching), with
  // reasoning and audio counts filled in so every part is exercised.
  const usage = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 40 },
    completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 60, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  const expected = { ...NO_USAGE, prompt: 2006, completion: 300, total: 2306, cached: 1920, audioInput: 40, reasoning: 192, audioOutput: 60 };
  t.deepEqual(await compatibleUsage(t, { usage }), { json: expected, stream: expected });
});

test('OpenAI and Azure recordings: the counts as reported, reasoning inside the completion', async (t) => {
  t.deepEqual(await compatibleUsage(t, { fixture: 'openai/openai-text' }), {
    json: { ...NO_USAGE, prompt: 16, completion: 363, total: 379 },
    stream: { ...NO_USAGE, prompt: 16, completion: 300, total: 316 },
  });
  t.deepEqual(readOpenAIUsage(lastStreamedUsage('openai/azure-model-router.1')), { ...NO_USAGE, prompt: 15, completion: 78, total: 93, reasoning: 64 });
});

test('a server that counts reasoning apart from completion_tokens (xAI) has it added, as its total_tokens shows', async (t) => {
  t.deepEqual(await compatibleUsage(t, { fixture: 'openai-compatible/xai-text' }), {
    json: { ...NO_USAGE, prompt: 12, completion: 322, total: 334, cached: 2, reasoning: 320 },
    stream: { ...NO_USAGE, prompt: 12, completion: 342, total: 354, cached: 11, reasoning: 340 },
  });
  // The same server counting reasoning inside the completion, as OpenAI does, is read as it is.
  const inside = { prompt_tokens: 10, completion_tokens: 95, total_tokens: 105, completion_tokens_details: { reasoning_tokens: 89 } };
  t.deepEqual(readOpenAIUsage(inside), { ...NO_USAGE, prompt: 10, completion: 95, total: 105, reasoning: 89 });
});

test('no usage object is no usage; counts that are not whole non-negative numbers count as none', (t) => {
  for (const value of [undefined, null, '12', 12, []]) t.is(readOpenAIUsage(value), undefined);
  t.deepEqual(readOpenAIUsage({ prompt_tokens: 7, completion_tokens: -2, prompt_tokens_details: null, completion_tokens_details: { reasoning_tokens: 'x' } }), {
    ...NO_USAGE,
    prompt: 7,
    total: 7,
  });
  t.deepEqual(readOpenAIUsage(readJsonFixture<{ usage: unknown }>('alibaba/alibaba-text.json').usage), { ...NO_USAGE, prompt: 18, completion: 1064, total: 1082 });
});
