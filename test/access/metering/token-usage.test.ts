import test from 'ava';
import { usageFromObject } from '../../../src/access/metering/token-usage.js';
import { readJsonFixture } from '../../helpers/fixtures.js';

test('usage from an OpenAI answer, with reasoning and cached tokens', (t) => {
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } };
  t.deepEqual(usageFromObject(usage), { prompt: 10, completion: 5, total: 15, reasoning: 3, cached: 4, estimated: false });
  t.deepEqual(usageFromObject({ prompt_tokens: 7, completion_tokens: 2 }), { prompt: 7, completion: 2, total: 9, reasoning: 0, cached: 0, estimated: false }, 'total derived');
  t.is(usageFromObject(null), undefined);
  t.is(usageFromObject(undefined), undefined);
  t.is(usageFromObject('12'), undefined);
});

test('usage from recorded DeepSeek and DashScope answers', (t) => {
  const deepseek = readJsonFixture<{ usage: { total_tokens: number } }>('deepseek/deepseek-json.json');
  t.is(usageFromObject(deepseek.usage)!.total, deepseek.usage.total_tokens);
  const alibaba = readJsonFixture<{ usage: { prompt_tokens: number } }>('alibaba/alibaba-text.json');
  t.is(usageFromObject(alibaba.usage)!.prompt, alibaba.usage.prompt_tokens);
  const openai = readJsonFixture<{ usage: { completion_tokens: number } }>('openai/openai-text.json');
  t.is(usageFromObject(openai.usage)!.completion, openai.usage.completion_tokens);
});
