import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { readChunkLines, readFixture } from '../helpers/fixtures.js';
import { CLIENT_TOKEN, gatewayInFrontOf } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// Legacy completions end to end with the SDK: passed through to OpenAI and DeepSeek, converted to chat for Anthropic.

const ADMIN = 'sk-admin-for-completions-tests-001';

const openAISetUp = (t: ExecutionContext) =>
  gatewayInFrontOf(t, new FakeOpenAIUpstream(), (fake) => ({ OPENAI_API_KEY: 'sk-upstream-openai-completions-0001', OPENAI_BASE_URL: fake.url, AUTH_TOKEN: ADMIN }));

const recordedText = () =>
  readChunkLines('openai/openai-completion-text.chunks.txt')
    .map((line) => (JSON.parse(line) as { choices: { text: string }[] }).choices[0]?.text ?? '')
    .join('');

test('passed through to OpenAI, unary: the recorded completion as it came, the prompt as sent', async (t) => {
  const { fake, gw } = await openAISetUp(t);
  const completion = await gw.client().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Invent a holiday', max_tokens: 16, echo: true, logprobs: 1, suffix: '.' });
  t.deepEqual(completion, JSON.parse(readFixture('openai/openai-completion-text.json')));
  t.is(fake.last.path, '/v1/completions');
  t.like(fake.last.body, { prompt: 'Invent a holiday', echo: true, logprobs: 1, suffix: '.' });
});

test('passed through to OpenAI, streamed: the recorded chunks, usage asked for and kept from a client that did not ask, metered', async (t) => {
  const { fake, gw } = await openAISetUp(t);
  const stream = await gw.client().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Invent a holiday', stream: true });
  const chunks: OpenAI.Completion[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  t.is(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join(''), recordedText());
  t.true(chunks.every((chunk) => chunk.usage == null));
  t.deepEqual(fake.last.body!.stream_options, { include_usage: true });

  const withUsage = await gw.client().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x', stream: true, stream_options: { include_usage: true } });
  let usage: OpenAI.CompletionUsage | undefined;
  for await (const chunk of withUsage) usage = chunk.usage ?? usage;
  t.like(usage, { prompt_tokens: 14, completion_tokens: 16, total_tokens: 30 });

  const admin = adminApi(gw, ADMIN);
  await waitFor(async () => (await admin.get<{ data: unknown[] }>('/admin/api/logs')).body.data.length === 2, 'two log records');
  const records = (await admin.get<{ data: { endpoint: string; usage: { total_tokens: number; estimated: boolean } }[] }>('/admin/api/logs')).body.data;
  t.deepEqual(
    records.map((record) => [record.endpoint, record.usage.total_tokens, record.usage.estimated]),
    [
      ['completions', 30, false],
      ['completions', 30, false],
    ],
  );
});

test('DeepSeek: legacy completions (fill-in-the-middle) go to its beta path', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({ DEEPSEEK_API_KEY: 'sk-deepseek-completions-0000000001', DEEPSEEK_BASE_URL: upstream.origin }));
  fake.pathPrefix = '/beta';
  await gw.client().completions.create({ model: 'deepseek-chat', prompt: 'def fib(n):', suffix: '    return a' });
  t.is(fake.last.path, '/beta/completions');
  t.is(fake.last.body!.suffix, '    return a');
});

const anthropicSetUp = (t: ExecutionContext) =>
  gatewayInFrontOf(t, new FakeAnthropicUpstream(), (fake) => ({ ANTHROPIC_API_KEY: 'sk-ant-api03-completions-test-key-0001', ANTHROPIC_BASE_URL: fake.url }));

test('converted for Anthropic, unary and streamed: text_completion objects and chunks', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  fake.script = () => ({ kind: 'reply', text: 'Gratitude Day is celebrated in spring.' });
  const completion = await gw.client().completions.create({ model: 'claude-haiku-4-5', prompt: 'Invent a holiday', max_tokens: 30 });
  t.is(completion.object, 'text_completion');
  t.is(completion.choices[0]!.text, 'Gratitude Day is celebrated in spring.');
  t.is(completion.choices[0]!.finish_reason, 'stop');
  t.true(completion.usage!.total_tokens > 0);
  t.deepEqual(fake.last.body!.messages, [{ role: 'user', content: [{ type: 'text', text: 'Invent a holiday' }] }]);
  t.is(fake.last.body!.max_tokens, 30);

  const stream = await gw.client().completions.create({ model: 'claude-haiku-4-5', prompt: 'Invent a holiday', stream: true, stream_options: { include_usage: true } });
  const chunks: OpenAI.Completion[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  t.is(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join(''), 'Gratitude Day is celebrated in spring.');
  t.true(chunks.every((chunk) => chunk.object === 'text_completion'));
  t.true(chunks.at(-1)!.usage!.total_tokens > 0);

  const echo = await t.throwsAsync(gw.client().completions.create({ model: 'claude-haiku-4-5', prompt: 'x', echo: true }), { instanceOf: OpenAI.BadRequestError });
  t.is(echo.param, 'echo');
});

test('passed through to OpenAI: a 429 on the first key is retried on the next one before anything reaches the client', async (t) => {
  const keys = ['sk-upstream-openai-completions-0001', 'sk-upstream-openai-completions-0002'];
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({ OPENAI_API_KEYS: keys.join(','), OPENAI_BASE_URL: upstream.url }));
  const limited = new Set<string>();
  fake.script = (request) => {
    const key = String(request.headers.authorization).replace('Bearer ', '');
    if (limited.size === 0 || limited.has(key)) {
      limited.add(key);
      return { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '20' } };
    }
    return undefined;
  };
  const stream = await gw.client().completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Invent a holiday', stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
  t.is(text, recordedText());
  t.deepEqual(new Set(fake.requests.map((request) => request.headers.authorization)), new Set(keys.map((key) => `Bearer ${key}`)), 'both keys tried');
  t.is(fake.requests.length, 2);
});

test('converted for Anthropic: a client that leaves mid-stream cancels the upstream call', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  fake.script = () => ({ kind: 'reply', text: 'one two three four five six seven eight nine ten eleven twelve', eventDelayMs: 150 });
  const controller = new AbortController();
  const response = await fetch(`${gw.baseURL}/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-haiku-4-5', prompt: 'count', stream: true }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  t.regex(first, /^data: \{"id":"[^"]+","object":"text_completion"/);
  controller.abort();
  await waitFor(() => fake.aborted.length === 1, 'the upstream call to be cancelled');
  t.is(fake.requests.length, 1);
});
