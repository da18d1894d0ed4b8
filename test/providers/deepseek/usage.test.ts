import test from 'ava';
import { NO_USAGE } from '../../../src/core/usage.js';
import { readDeepSeekUsage } from '../../../src/providers/deepseek/usage.js';
import { compatibleUsage } from '../../helpers/compatible-usage.js';

test('recorded deepseek-reasoner answers: prompt_cache_hit_tokens are cached, reasoning_tokens inside the completion', async (t) => {
  // The whole answer and the stream were two calls; each is read exactly as recorded.
  t.deepEqual(await compatibleUsage(t, { fixture: 'deepseek/deepseek-tool-call' }, readDeepSeekUsage), {
    json: { ...NO_USAGE, prompt: 339, completion: 92, total: 431, cached: 320, reasoning: 48 },
    stream: { ...NO_USAGE, prompt: 339, completion: 83, total: 422, cached: 320, reasoning: 39 },
  });
  t.deepEqual(await compatibleUsage(t, { fixture: 'deepseek/deepseek-text' }, readDeepSeekUsage), {
    json: { ...NO_USAGE, prompt: 13, completion: 300, total: 313 },
    stream: { ...NO_USAGE, prompt: 13, completion: 400, total: 413 },
  });
});

test('the older shape, with the cache counts only in DeepSeek’s own fields, gives the same usage whole and streamed', async (t) => {
  // https://api-docs.deepseek.com/guides/kv_cache: hit + miss = prompt_tokens; no prompt_tokens_details.
  const usage = { prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280, prompt_cache_hit_tokens: 1024, prompt_cache_miss_tokens: 176 };
  const expected = { ...NO_USAGE, prompt: 1200, completion: 80, total: 1280, cached: 1024 };
  t.deepEqual(await compatibleUsage(t, { usage }, readDeepSeekUsage), { json: expected, stream: expected });
  t.deepEqual(readDeepSeekUsage({ prompt_cache_hit_tokens: 30, prompt_cache_miss_tokens: 12, completion_tokens: 5 }), { ...NO_USAGE, prompt: 42, completion: 5, total: 47, cached: 30 });
  t.is(readDeepSeekUsage(null), undefined);
});
