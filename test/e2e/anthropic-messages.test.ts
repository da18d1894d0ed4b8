import Anthropic from '@anthropic-ai/sdk';
import test from 'ava';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi, awayFromMinuteEnd } from '../helpers/admin-api.js';
import { readChunkLines } from '../helpers/fixtures.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { CLIENT_TOKEN, gatewayInFrontOf, type RunningGateway, startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// Anthropic's Messages API served by the gateway, driven by the official @anthropic-ai/sdk: passed through to an
// Anthropic upstream, converted for Gemini and OpenAI, on the one call path (keys, retries, limits, metering).

const ADMIN = 'sk-admin-for-messages-tests-000001';
const GEMINI_KEYS = ['AIzaSyMessagesTestKey00000000000000001', 'AIzaSyMessagesTestKey00000000000000002'];

const claude = (gw: RunningGateway, apiKey = CLIENT_TOKEN, headers: Record<string, string> = {}) =>
  new Anthropic({ apiKey, baseURL: gw.url, maxRetries: 0, defaultHeaders: headers });

const weatherTools: Anthropic.Tool[] = [
  { name: 'weather', description: 'Weather in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  { name: 'local_time', description: 'Time in a zone', input_schema: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
];
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris, and the time there?' }];

/** A message without what differs from one call to the next (ids). */
const comparable = (message: Anthropic.Message) => ({
  role: message.role,
  model: message.model,
  stop_reason: message.stop_reason,
  content: message.content.map((block) => (block.type === 'tool_use' ? { ...block, id: undefined } : block)),
  usage: { input_tokens: message.usage.input_tokens, output_tokens: message.usage.output_tokens },
});

const geminiGateway = (t: Parameters<typeof gatewayInFrontOf>[0]) =>
  gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({ API_KEYS: JSON.stringify(GEMINI_KEYS), BASE_URL: upstream.url, AUTH_TOKEN: ADMIN, MAX_RETRIES: '3' }));

test('Gemini behind /v1/messages: two parallel tools arrive as two tool_use blocks with whole JSON input, the same streamed; the results go back as functionResponses', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  fake.script = () => ({ kind: 'function_calls', calls: [{ name: 'weather', args: { city: 'Paris' } }, { name: 'local_time', args: { zone: 'Europe/Paris' } }] });
  const request = { model: 'gemini-2.5-flash', max_tokens: 1024, tools: weatherTools, messages: question };
  const message = await claude(gw).messages.create(request);
  t.is(message.type, 'message');
  t.is(message.stop_reason, 'tool_use');
  const uses = message.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
  t.deepEqual(
    uses.map((use) => [use.name, use.input]),
    [
      ['weather', { city: 'Paris' }],
      ['local_time', { zone: 'Europe/Paris' }],
    ],
  );
  t.true(message.usage.input_tokens > 0);
  t.true(message.usage.output_tokens > 0);

  const streamed = await claude(gw).messages.stream(request).finalMessage();
  t.deepEqual(comparable(streamed), comparable(message));

  // The tool results reach Gemini as functionResponse parts, paired with the calls they answer.
  await claude(gw).messages.create({
    ...request,
    messages: [
      ...question,
      { role: 'assistant', content: message.content },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: uses[0]!.id, content: '18°C, cloudy' },
          { type: 'tool_result', tool_use_id: uses[1]!.id, content: [{ type: 'text', text: '14:05' }] },
        ],
      },
    ],
  });
  const contents = fake.last.body?.contents as { role: string; parts: Record<string, any>[] }[];
  const responses = contents.flatMap((content) => content.parts).filter((part) => part.functionResponse);
  t.deepEqual(
    responses.map((part) => part.functionResponse.name),
    ['weather', 'local_time'],
  );
  t.regex(JSON.stringify(responses[0]!.functionResponse.response), /18°C, cloudy/);
  t.regex(JSON.stringify(responses[1]!.functionResponse.response), /14:05/);
});

test('OpenAI behind /v1/messages: a tool result goes up as a `tool` message, the system prompt as a system message, stop sequences as stop', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({ OPENAI_API_KEY: 'sk-openai-messages-000000000001', OPENAI_BASE_URL: upstream.url }));
  await claude(gw).messages.create({
    model: 'gpt-4o',
    max_tokens: 256,
    system: [{ type: 'text', text: 'Be brief.' }],
    stop_sequences: ['END'],
    tools: weatherTools,
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    messages: [
      ...question,
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_01', name: 'weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'rain', is_error: false }, { type: 'text', text: 'Thanks' }] },
    ],
  });
  const sent = fake.last.body!;
  t.deepEqual(sent.messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris, and the time there?' },
    { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'toolu_01', content: 'rain' },
    { role: 'user', content: 'Thanks' },
  ]);
  t.like(sent, { model: 'gpt-4o', max_tokens: 256, stop: ['END'], tool_choice: 'required', parallel_tool_calls: false });
  t.is((sent.tools as unknown[]).length, 2);
});

test('Anthropic behind /v1/messages: passed through byte for byte, thinking signatures intact across turns, the client’s version and betas forwarded', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeAnthropicUpstream(), (upstream) => ({
    ANTHROPIC_API_KEY: 'sk-ant-api03-messages-pass-000001',
    ANTHROPIC_BASE_URL: upstream.url,
    AUTH_TOKEN: ADMIN,
  }));
  fake.script = () => ({ kind: 'reply', text: 'Forty-two.', thinking: 'The question is old.', signature: 'EqQBCkYIBxgCKkB-signature-bytes==' });
  const client = claude(gw, CLIENT_TOKEN, { 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
  const request = { model: 'claude-sonnet-4-5', max_tokens: 2048, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'The answer?' }] };
  const first = await client.messages.create(request);
  t.deepEqual(first.content[0], { type: 'thinking', thinking: 'The question is old.', signature: 'EqQBCkYIBxgCKkB-signature-bytes==' });
  t.is(fake.last.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14');
  t.is(fake.last.headers['anthropic-version'], '2026-10-21', 'the SDK’s version, not the gateway’s own');
  t.is(fake.last.headers['x-api-key'], 'sk-ant-api03-messages-pass-000001', 'the pool key goes up, never the client token');

  const streamed = await client.messages.stream(request).finalMessage();
  t.deepEqual(streamed.content, first.content);

  await client.messages.create({ ...request, messages: [...request.messages, { role: 'assistant', content: first.content }, { role: 'user', content: 'Why?' }] });
  t.deepEqual((fake.last.body!.messages as { content: unknown }[])[1]!.content, first.content, 'the signed thinking block goes back unchanged');

  // The client's own bytes go up when nothing is to change.
  const raw = `{"model":  "claude-sonnet-4-5" ,"max_tokens":64,\n"messages":[{"role":"user","content":"Hi \\u00e9"}]}`;
  const response = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': CLIENT_TOKEN, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: raw });
  t.is(response.status, 200);
  t.is(fake.last.rawBody, raw);

  // A request that leaves the model to the client key's default goes up naming it.
  const { key } = await adminApi(gw, ADMIN).createKey({ name: 'defaulted', default_model: 'claude-sonnet-4-5' });
  const defaulted = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: '{"max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}',
  });
  t.is(defaulted.status, 200);
  t.is(fake.last.body?.model, 'claude-sonnet-4-5');
});

test('recorded Anthropic streams pass through event for event; a recorded OpenAI stream is converted into a well-formed message', async (t) => {
  const anthropic = await gatewayInFrontOf(t, new FakeAnthropicUpstream(), (upstream) => ({ ANTHROPIC_API_KEY: 'sk-ant-api03-fixtures-0000000001', ANTHROPIC_BASE_URL: upstream.url }));
  for (const name of ['anthropic-text', 'anthropic-tool-no-args', 'anthropic-clear-thinking.1', 'anthropic-web-search-tool.1']) {
    anthropic.fake.script = () => ({ kind: 'fixture', name });
    const response = await fetch(`${anthropic.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': CLIENT_TOKEN, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const data = (await response.text()).split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as unknown);
    t.deepEqual(data, readChunkLines(`anthropic/${name}.chunks.txt`).map((line) => JSON.parse(line) as unknown), name);
  }

  const openai = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({ OPENAI_API_KEY: 'sk-openai-fixtures-00000000001', OPENAI_BASE_URL: upstream.url }));
  openai.fake.script = () => ({ kind: 'fixture', name: 'openai/openai-text' });
  const expected = readChunkLines('openai/openai-text.chunks.txt')
    .map((line) => JSON.parse(line) as { choices: { delta?: { content?: string } }[] })
    .map((chunk) => chunk.choices[0]?.delta?.content ?? '')
    .join('');
  const message = await claude(openai.gw).messages.stream({ model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
  t.deepEqual(message.content, [{ type: 'text', text: expected, citations: null }].map(({ citations: _citations, ...block }) => block));
  t.is(message.stop_reason, 'end_turn');
});

test('count_tokens: counted by Anthropic when the model is Claude, estimated for any other', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeAnthropicUpstream(), (upstream) => ({ ANTHROPIC_API_KEY: 'sk-ant-api03-count-000000000001', ANTHROPIC_BASE_URL: upstream.url, API_KEYS: JSON.stringify(GEMINI_KEYS), BASE_URL: 'http://127.0.0.1:9' }));
  const counted = await claude(gw).messages.countTokens({ model: 'claude-sonnet-4-5', messages: question, tools: weatherTools });
  t.is(counted.input_tokens, Math.ceil(JSON.stringify(['', question, weatherTools]).length / 4));
  t.is(fake.last.path, '/v1/messages/count_tokens');
  const estimated = await claude(gw).messages.countTokens({ model: 'gemini-2.5-flash', messages: question });
  t.true(estimated.input_tokens > 5 && estimated.input_tokens < 50, `${estimated.input_tokens}`);
});

test('errors come in Anthropic’s shape: 429 on every key is rate_limit_error after trying each, a bad request is invalid_request_error, no key is authentication_error', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  fake.script = () => ({ kind: 'error', status: 429, body: { error: { code: 429, message: 'Resource has been exhausted (e.g. check quota).', status: 'RESOURCE_EXHAUSTED' } } });
  const limited = await claude(gw).messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, messages: question }).catch((error: unknown) => error);
  t.true(limited instanceof Anthropic.RateLimitError);
  t.like((limited as InstanceType<typeof Anthropic.APIError>).error, { type: 'error', error: { type: 'rate_limit_error' } });
  t.deepEqual(new Set(fake.calls.map((request) => request.apiKey)), new Set(GEMINI_KEYS), 'every key was tried');

  const invalid = await claude(gw).messages.create({ model: 'gemini-2.5-flash', messages: question } as never).catch((error: unknown) => error);
  t.true(invalid instanceof Anthropic.BadRequestError);
  t.like((invalid as InstanceType<typeof Anthropic.APIError>).error, { type: 'error', error: { type: 'invalid_request_error' } });
  t.regex((invalid as Error).message, /max_tokens/);

  const unknownKey = await claude(gw, 'sk-not-a-gateway-key-0000000000').messages.create({ model: 'gemini-2.5-flash', max_tokens: 8, messages: question }).catch((error: unknown) => error);
  t.true(unknownKey instanceof Anthropic.AuthenticationError);
  t.like((unknownKey as InstanceType<typeof Anthropic.APIError>).error, { type: 'error', error: { type: 'authentication_error' } });

  const overloaded = await (async () => {
    fake.script = () => ({ kind: 'error', status: 503, body: { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } } });
    return claude(gw).messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, messages: question }).catch((error: unknown) => error as InstanceType<typeof Anthropic.APIError>);
  })();
  t.is((overloaded as InstanceType<typeof Anthropic.APIError>).status, 529);
  t.like((overloaded as InstanceType<typeof Anthropic.APIError>).error, { type: 'error', error: { type: 'overloaded_error' } });
});

test('a Messages call is a call like any other: a failed key is retried on the next, the client key’s limits and usage count it, the log records it', async (t) => {
  const { fake, gw } = await geminiGateway(t);
  const admin = adminApi(gw, ADMIN);
  const { key, id } = await admin.createKey({ name: 'claude-code', limits: { rpm: 2 } });
  // The rpm window is the calendar minute: the three calls must fall in one.
  await awayFromMinuteEnd(20);
  let calls = 0;
  fake.script = () => (++calls === 1 ? { kind: 'error', status: 500, body: { error: { code: 500, message: 'Internal error encountered.', status: 'INTERNAL' } } } : { kind: 'text', text: 'Fine.' });
  const message = await claude(gw, key).messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, messages: question });
  t.deepEqual(message.content, [{ type: 'text', text: 'Fine.' }]);
  t.is(calls, 2, 'retried once after the 500');
  await claude(gw, key).messages.stream({ model: 'gemini-2.5-flash', max_tokens: 64, messages: question }).finalMessage();
  const third = await claude(gw, key).messages.create({ model: 'gemini-2.5-flash', max_tokens: 64, messages: question }).catch((error: unknown) => error);
  t.true(third instanceof Anthropic.RateLimitError, 'the key’s rpm of 2 counts Messages calls');

  type Logged = { endpoint: string; status: number; usage: { prompt_tokens: number; completion_tokens: number }; attempts: number };
  let records: Logged[] = [];
  await waitFor(async () => {
    records = (await admin.get<{ data: Logged[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
    return records.length === 3;
  }, 'three log records');
  t.deepEqual(
    records.map((record) => [record.endpoint, record.status]),
    [
      ['messages', 429],
      ['messages', 200],
      ['messages', 200],
    ],
  );
  t.true(records[1]!.usage.completion_tokens > 0 && records[2]!.usage.prompt_tokens > 0);
  const counters = await admin.get<{ usage: { requests_today: number; tokens_today: number } }>(`/admin/api/client-keys/${id}`);
  t.is(counters.body.usage.requests_today, 2);
  t.is(counters.body.usage.tokens_today, records[1]!.usage.prompt_tokens + records[1]!.usage.completion_tokens + records[2]!.usage.prompt_tokens + records[2]!.usage.completion_tokens);
});

test('a model group’s fallback may cross protocols (converted, then passed through), and a client that goes away cancels the upstream call', async (t) => {
  const anthropic = await new FakeAnthropicUpstream().start();
  const broken = await new FakeOpenAIUpstream().start();
  t.teardown(async () => {
    await anthropic.stop();
    await broken.stop();
  });
  broken.script = () => ({ kind: 'error', status: 500, body: { error: { message: 'The server had an error.', type: 'server_error', param: null, code: null } } });
  const file = writeConfigFile(
    `upstreams:\n` +
      `  broken: { type: openai-compatible, base_url: "${broken.url}", api_keys: [sk-broken-upstream-key-000001] }\n` +
      `  claude: { type: anthropic, base_url: "${anthropic.url}", api_keys: [sk-ant-api03-group-key-0000001] }\n` +
      `routes:\n  smart: { targets: [{ upstream: broken, model: gpt-4o }], fallbacks: { on_error: [backup] } }\n` +
      `  backup: { targets: [{ upstream: claude, model: claude-sonnet-4-5 }] }\n`,
  );
  const gw = await startGateway({ CONFIG_FILE: file, MAX_RETRIES: '1' });
  t.teardown(() => gw.close());
  const message = await claude(gw).messages.create({ model: 'smart', max_tokens: 64, messages: question });
  t.is(message.type, 'message');
  t.true(broken.requests.length >= 1, 'the first group was tried');
  t.is(anthropic.last.body?.model, 'claude-sonnet-4-5', 'the fallback got the client’s request with its own model name');

  anthropic.script = () => ({ kind: 'reply', text: 'a long answer that never ends', eventDelayMs: 50, hangAfterEvents: 4 });
  const controller = new AbortController();
  const stream = claude(gw).messages.stream({ model: 'backup', max_tokens: 64, messages: question }, { signal: controller.signal });
  const ended = stream.done().catch((error: unknown) => error);
  await new Promise<void>((resolve) => stream.on('text', () => resolve()));
  controller.abort();
  await anthropic.waitForAbort();
  t.is(anthropic.aborted.length, 1);
  t.true((await ended) instanceof Anthropic.APIUserAbortError);
});
