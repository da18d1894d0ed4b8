import test from 'ava';
import { NO_USAGE } from '../../../src/core/usage.js';
import { readDashScopeUsage } from '../../../src/providers/dashscope/usage.js';
import { compatibleUsage } from '../../helpers/compatible-usage.js';

test('recorded qwen3-max thinking answers: reasoning_tokens inside the completion, cached_tokens cached', async (t) => {
  t.deepEqual(await compatibleUsage(t, { fixture: 'alibaba/alibaba-reasoning' }, readDashScopeUsage), {
    json: { ...NO_USAGE, prompt: 24, completion: 1668, total: 1692, reasoning: 1353 },
    stream: { ...NO_USAGE, prompt: 24, completion: 1355, total: 1379, reasoning: 1084 },
  });
});

test('an explicit cache: cache_creation_input_tokens are 5-minute writes, cached_tokens reads, whole and streamed', async (t) => {
  // The documented shape (https://www.alibabacloud.com/help/en/model-studio/context-cache).
  const usage = {
    prompt_tokens: 3019,
    completion_tokens: 104,
    total_tokens: 3123,
    prompt_tokens_details: { cached_tokens: 1024, cache_creation: { ephemeral_5m_input_tokens: 1990 }, cache_creation_input_tokens: 1990, cache_type: 'ephemeral' },
    completion_tokens_details: { reasoning_tokens: 40 },
  };
  const expected = { ...NO_USAGE, prompt: 3019, completion: 104, total: 3123, cached: 1024, cacheWrite: 1990, reasoning: 40 };
  t.deepEqual(await compatibleUsage(t, { usage }, readDashScopeUsage), { json: expected, stream: expected });
});
