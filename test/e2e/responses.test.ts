import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { readChunkLines, readFixture } from '../helpers/fixtures.js';
import { CLIENT_TOKEN, gatewayInFrontOf, startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// The Responses API end to end, with the official SDK: converted for chat upstreams, passed through to OpenAI.

const ANTHROPIC_KEYS = ['sk-ant-api03-responses-test-key-one-001', 'sk-ant-api03-responses-test-key-two-002'];
const OTHER_TOKEN = 'sk-client-token-for-tests-0002';
const ADMIN = 'sk-admin-for-responses-tests-00001';

const weather: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

const anthropicSetUp = (t: ExecutionContext, env: Record<string, string> = {}) =>
  gatewayInFrontOf(t, new FakeAnthropicUpstream(), (fake) => ({
    ANTHROPIC_API_KEYS: JSON.stringify(ANTHROPIC_KEYS),
    ANTHROPIC_BASE_URL: fake.url,
    ALLOWED_TOKENS: `${CLIENT_TOKEN},${OTHER_TOKEN}`,
    ...env,
  }));

test('streamed with a function tool, answered by Anthropic: the SDK gets the function call and the usage in response.completed', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  fake.script = () => ({ kind: 'tool_use', calls: [{ name: 'get_weather', input: { city: 'Paris' }, id: 'toolu_01A' }], thinking: 'Need the weather.', signature: 'c2ln' });
  const stream = gw.client().responses.stream({ model: 'claude-sonnet-4-5', input: 'Weather in Paris?', instructions: 'Be brief.', tools: [weather], reasoning: { effort: 'low' } });
  const types: string[] = [];
  for await (const event of stream) types.push(event.type);
  const final = await stream.finalResponse();

  const sent = fake.last.body!;
  t.deepEqual(sent.system, [{ type: 'text', text: 'Be brief.' }]);
  t.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }]);
  t.is((sent.tools as { name: string }[])[0]!.name, 'get_weather');
  t.is(types[0], 'response.created');
  t.is(types[1], 'response.in_progress');
  t.is(types.at(-1), 'response.completed');
  t.true(types.includes('response.reasoning_summary_text.delta'));
  t.true(types.includes('response.function_call_arguments.delta'));
  t.is(final.status, 'completed');
  const call = final.output.find((item) => item.type === 'function_call');
  t.truthy(call);
  if (call?.type !== 'function_call') return;
  t.is(call.name, 'get_weather');
  t.deepEqual(JSON.parse(call.arguments), { city: 'Paris' });
  t.is(final.output[0]!.type, 'reasoning');
  t.true(final.usage!.input_tokens > 0);
  t.true(final.usage!.output_tokens > 0);
  t.is(final.usage!.total_tokens, final.usage!.input_tokens + final.usage!.output_tokens);
  t.is(typeof final.usage!.input_tokens_details.cached_tokens, 'number');
  t.is(typeof final.usage!.output_tokens_details.reasoning_tokens, 'number');
});

test('a follow-up with previous_response_id continues the stored conversation; another caller can neither read nor continue it', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  fake.script = () => ({ kind: 'tool_use', calls: [{ name: 'get_weather', input: { city: 'Paris' } }] });
  const first = await gw.client().responses.create({ model: 'claude-sonnet-4-5', input: 'Weather in Paris?', tools: [weather] });
  const call = first.output.find((item) => item.type === 'function_call');
  if (call?.type !== 'function_call') return t.fail('no function call');
  t.regex(first.id, /^resp_[0-9a-f]{48}$/);

  fake.script = () => ({ kind: 'reply', text: 'It is 18°C in Paris.' });
  const second = await gw.client().responses.create({
    model: 'claude-sonnet-4-5',
    previous_response_id: first.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '18°C' }],
    tools: [weather],
  });
  t.is(second.output_text, 'It is 18°C in Paris.');
  t.is(second.previous_response_id, first.id);
  const messages = fake.last.body!.messages as { role: string; content: { type: string; text?: string; tool_use_id?: string; content?: unknown }[] }[];
  t.deepEqual(
    messages.map((message) => [message.role, message.content.map((block) => block.type)]),
    [
      ['user', ['text']],
      ['assistant', ['tool_use']],
      ['user', ['tool_result']],
    ],
  );
  t.is(messages[0]!.content[0]!.text, 'Weather in Paris?');

  const read = await gw.client().responses.retrieve(second.id);
  t.is(read.id, second.id);
  t.is(read.output_text, 'It is 18°C in Paris.');

  const other = gw.client(OTHER_TOKEN);
  const hidden = await t.throwsAsync(other.responses.retrieve(first.id), { instanceOf: OpenAI.NotFoundError });
  t.regex(hidden.message, /not found/);
  const refused = await t.throwsAsync(other.responses.create({ model: 'claude-sonnet-4-5', previous_response_id: first.id, input: 'and now?' }), { instanceOf: OpenAI.NotFoundError });
  t.is(refused.code, 'previous_response_not_found');
  t.is(refused.param, 'previous_response_id');
  await t.throwsAsync(other.responses.delete(first.id), { instanceOf: OpenAI.NotFoundError });

  const deleted = await fetch(`${gw.baseURL}/responses/${first.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${CLIENT_TOKEN}` } });
  t.deepEqual(await deleted.json(), { id: first.id, object: 'response.deleted', deleted: true });
  await t.throwsAsync(gw.client().responses.retrieve(first.id), { instanceOf: OpenAI.NotFoundError });
});

test('store: false keeps nothing', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  fake.script = () => ({ kind: 'reply', text: 'ok' });
  const response = await gw.client().responses.create({ model: 'claude-sonnet-4-5', input: 'hi', store: false });
  t.false((response as OpenAI.Responses.Response & { store: boolean }).store);
  await t.throwsAsync(gw.client().responses.retrieve(response.id), { instanceOf: OpenAI.NotFoundError });
});

test('a JSON schema text format comes back as output_text', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  const answer = '{"city":"Paris","temperature":18}';
  fake.script = () => ({ kind: 'reply', text: answer });
  const response = await gw.client().responses.create({
    model: 'claude-sonnet-4-5',
    input: 'Weather in Paris as JSON',
    text: { format: { type: 'json_schema', name: 'weather', schema: { type: 'object', properties: { city: { type: 'string' }, temperature: { type: 'number' } }, required: ['city', 'temperature'], additionalProperties: false }, strict: true } },
  });
  t.is(response.output_text, answer);
  t.deepEqual(response.text?.format, { type: 'json_schema', name: 'weather', schema: { type: 'object', properties: { city: { type: 'string' }, temperature: { type: 'number' } }, required: ['city', 'temperature'], additionalProperties: false }, strict: true });
  t.deepEqual((fake.last.body!.output_config as { format: { type: string } }).format.type, 'json_schema', 'the schema reached Anthropic');
});

test('a built-in tool on a converted route is a 400 in OpenAI’s shape, and nothing goes upstream', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  const error = await t.throwsAsync(gw.client().responses.create({ model: 'claude-sonnet-4-5', input: 'news?', tools: [{ type: 'web_search_preview' }] }), { instanceOf: OpenAI.BadRequestError });
  t.is(error.code, 'unsupported_tool');
  t.is(error.param, 'tools[0].type');
  t.is(fake.requests.length, 0);
  const bad = await fetch(`${gw.baseURL}/responses`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-4-5","input":42}' });
  t.is(bad.status, 400);
  t.is(((await bad.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
});

test('Gemini with two parallel tool calls, streamed', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (gemini) => ({ API_KEYS: JSON.stringify(['AIzaSy-responses-test-key-000000000001']), BASE_URL: gemini.url }));
  fake.script = () => ({ kind: 'function_calls', calls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_weather', args: { city: 'Rome' } }] });
  const stream = gw.client().responses.stream({ model: 'gemini-2.5-flash', input: 'Weather in Paris and Rome?', tools: [weather] });
  const final = await stream.finalResponse();
  const calls = final.output.filter((item) => item.type === 'function_call');
  t.deepEqual(
    calls.map((item) => (item.type === 'function_call' ? [item.name, JSON.parse(item.arguments)] : [])),
    [
      ['get_weather', { city: 'Paris' }],
      ['get_weather', { city: 'Rome' }],
    ],
  );
  t.not(calls[0]!.type === 'function_call' && calls[0]!.call_id, calls[1]!.type === 'function_call' && calls[1]!.call_id);
  t.true(final.usage!.total_tokens > 0);
});

const openAISetUp = (t: ExecutionContext, env: Record<string, string> = {}) =>
  gatewayInFrontOf(t, new FakeOpenAIUpstream(), (fake) => ({ OPENAI_API_KEY: 'sk-upstream-openai-responses-000001', OPENAI_BASE_URL: fake.url, AUTH_TOKEN: ADMIN, ...env }));

test('passed through to OpenAI: the body goes up as sent (model renamed), the bytes come back unchanged', async (t) => {
  const { fake, gw } = await openAISetUp(t);
  const raw = JSON.stringify({ model: 'gpt-5', input: 'news', tools: [{ type: 'web_search_preview' }], store: true, previous_response_id: 'resp_kept_by_openai' });
  const post = (body: string) => fetch(`${gw.baseURL}/responses`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' }, body });
  const answer = await post(raw);
  t.is(answer.status, 200);
  t.is(await answer.text(), readFixture('openai/openai-phase.1.json'), 'the recorded body, byte for byte');
  t.is(fake.last.path, '/v1/responses');
  t.is(fake.last.rawBody, raw, 'built-in tools and previous_response_id go to OpenAI as they are');

  await post(JSON.stringify({ model: 'openai/gpt-5', input: 'x' }));
  t.deepEqual(fake.last.body, { model: 'gpt-5', input: 'x' });

  const streamed = await post(JSON.stringify({ model: 'gpt-5', input: 'x', stream: true }));
  t.regex(streamed.headers.get('content-type') ?? '', /^text\/event-stream/);
  t.is(streamed.headers.get('cache-control'), 'no-cache', 'a passed-through stream is not cached');
  t.is(streamed.headers.get('x-accel-buffering'), 'no', 'nor buffered by nginx');
  t.is(answer.headers.get('x-accel-buffering'), null, 'only a stream says so');
  const expected = readChunkLines('openai/openai-phase.1.chunks.txt')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join('');
  t.is(await streamed.text(), expected);
});

test('recorded OpenAI streams replayed through the route: the SDK assembles the recorded response, the usage is metered', async (t) => {
  const { fake, gw } = await openAISetUp(t);
  const admin = adminApi(gw, ADMIN);
  fake.responsesFixture = 'openai/openai-web-search-tool.1';
  const recorded = readChunkLines('openai/openai-web-search-tool.1.chunks.txt').map((line) => JSON.parse(line) as { type: string; response?: OpenAI.Responses.Response });
  const completed = recorded.find((event) => event.type === 'response.completed')!.response!;
  const stream = gw.client().responses.stream({ model: 'gpt-5', input: 'news', tools: [{ type: 'web_search_preview' }] });
  const final = await stream.finalResponse();
  const messageText = (response: OpenAI.Responses.Response) =>
    response.output.flatMap((item) => (item.type === 'message' ? item.content.map((part) => (part.type === 'output_text' ? part.text : '')) : [])).join('');
  t.is(final.id, completed.id);
  // The SDK adds its own parsing fields to the items; what OpenAI sent is all there.
  t.deepEqual(
    final.output.map((item) => [item.type, item.id]),
    completed.output.map((item) => [item.type, item.id]),
  );
  t.is(final.output_text, messageText(completed));
  t.deepEqual(final.usage, completed.usage);

  let usage: Record<string, number | boolean> | undefined;
  await waitFor(async () => {
    const records = (await admin.get<{ data: { endpoint: string; usage: Record<string, number | boolean> }[] }>('/admin/api/logs')).body.data;
    usage = records.find((record) => record.endpoint === 'responses')?.usage;
    return usage !== undefined;
  }, 'the request log record');
  const reported = completed.usage!;
  t.like(usage, {
    prompt_tokens: reported.input_tokens,
    cached_tokens: reported.input_tokens_details.cached_tokens,
    completion_tokens: reported.output_tokens,
    reasoning_tokens: reported.output_tokens_details.reasoning_tokens,
    total_tokens: reported.total_tokens,
    estimated: false,
  });

  fake.responsesFixture = 'openai/openai-phase.1';
  const unary = await gw.client().responses.create({ model: 'gpt-5.3-codex', input: 'AI news today?' });
  t.deepEqual(unary.output, (JSON.parse(readFixture('openai/openai-phase.1.json')) as OpenAI.Responses.Response).output);

  fake.responsesFixture = 'openai/openai-error.1';
  const failing = gw.client().responses.stream({ model: 'gpt-5', input: 'x' });
  const error = await t.throwsAsync(failing.finalResponse());
  t.regex(error.message, /exceeded your current quota/);
});

test('metering and client limits count a Responses call exactly as a chat call with the same usage', async (t) => {
  // DeepSeek has no Responses API: the call is converted to chat on the same upstream that answers the chat call.
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({ DEEPSEEK_API_KEY: 'sk-deepseek-responses-000000000001', DEEPSEEK_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN }));
  fake.usage = { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 10 }, completion_tokens_details: { reasoning_tokens: 5 } };
  const admin = adminApi(gw, ADMIN);
  const chatKey = await admin.createKey({ name: 'chat', limits: { rpm: 100 } });
  const responsesKey = await admin.createKey({ name: 'responses', limits: { rpm: 100 } });
  await gw.client(chatKey.key).chat.completions.create({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] });
  const response = await gw.client(responsesKey.key).responses.create({ model: 'deepseek-chat', input: 'hi' });
  t.is(fake.last.path, '/v1/chat/completions');
  t.deepEqual(response.usage, { input_tokens: 50, input_tokens_details: { cached_tokens: 10 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 70 });

  type Log = { endpoint: string; usage: Record<string, unknown>; cost_usd: number | null; client_key: string };
  let records: Log[] = [];
  await waitFor(async () => {
    records = (await admin.get<{ data: Log[] }>('/admin/api/logs')).body.data;
    return records.length === 2;
  }, 'two log records');
  const byEndpoint = Object.fromEntries(records.map((record) => [record.endpoint, record]));
  t.deepEqual(byEndpoint.responses!.usage, byEndpoint.chat!.usage);
  t.is(byEndpoint.responses!.cost_usd, byEndpoint.chat!.cost_usd);
  t.true((byEndpoint.chat!.cost_usd ?? 0) > 0, 'deepseek-chat is priced');
  const counters = async (id: string) => (await admin.get<{ usage: Record<string, number> }>(`/admin/api/client-keys/${id}`)).body.usage;
  const [chatCounters, responsesCounters] = [await counters(chatKey.id), await counters(responsesKey.id)];
  t.is(responsesCounters.tokens_today, 70);
  t.deepEqual(responsesCounters, chatCounters);

  const limited = await admin.createKey({ name: 'one-per-minute', limits: { rpm: 1 } });
  await gw.client(limited.key).responses.create({ model: 'deepseek-chat', input: 'hi' });
  await t.throwsAsync(gw.client(limited.key).responses.create({ model: 'deepseek-chat', input: 'again' }), { instanceOf: OpenAI.RateLimitError });
});

test('a 429 on every key is retried on the next key, then the group falls back to its other route', async (t) => {
  const anthropic = await new FakeAnthropicUpstream().start();
  const backup = await new FakeOpenAIUpstream().start();
  const file = writeConfigFile(
    [
      'upstreams:',
      '  claude:',
      '    type: anthropic',
      `    base_url: ${anthropic.url}`,
      `    api_keys: [${ANTHROPIC_KEYS.join(', ')}]`,
      '  spare:',
      '    type: openai-compatible',
      `    base_url: ${backup.url}`,
      '    api_keys: [sk-spare-key-00000000000000000000]',
      'routes:',
      '  smart:',
      '    targets: [{ upstream: claude, model: claude-sonnet-4-5 }]',
      '    fallbacks: { on_rate_limit: [spare-model] }',
      '  spare-model:',
      '    targets: [{ upstream: spare, model: gpt-4o-mini }]',
    ].join('\n'),
  );
  const gw = await startGateway({ CONFIG_FILE: file });
  t.teardown(async () => {
    await gw.close();
    await anthropic.stop();
    await backup.stop();
  });
  anthropic.script = () => ({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'rate limited', headers: { 'retry-after': '30' } });
  const stream = gw.client().responses.stream({ model: 'smart', input: 'hello' });
  const final = await stream.finalResponse();
  t.is(final.output_text, 'You said: hello');
  t.deepEqual(new Set(anthropic.requests.map((request) => request.headers['x-api-key'])), new Set(ANTHROPIC_KEYS), 'both keys tried');
  t.is(backup.last.path, '/v1/chat/completions', 'a compatible upstream without passthrough gets chat');
  t.is(final.model, 'smart');
});

test('a client that leaves mid-stream cancels the upstream call', async (t) => {
  const { fake, gw } = await anthropicSetUp(t);
  fake.script = () => ({ kind: 'reply', text: 'one two three four five six seven eight nine ten eleven twelve', eventDelayMs: 150 });
  const controller = new AbortController();
  const response = await fetch(`${gw.baseURL}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', input: 'count', stream: true }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  t.regex(first, /^event: response\.created\ndata: \{"type":"response\.created","sequence_number":0,/);
  controller.abort();
  await waitFor(() => fake.aborted.length === 1, 'the upstream call to be cancelled');
  t.pass();
});

test('a compatible upstream configured with passthrough: [responses] gets the Responses request as it is', async (t) => {
  const fake = await new FakeOpenAIUpstream().start();
  const file = writeConfigFile(`upstreams:\n  proxy:\n    type: openai-compatible\n    base_url: ${fake.url}\n    api_keys: [sk-proxy-key-0000000000000000000]\n    passthrough: [responses]\n    models: [gpt-5]\n`);
  const gw = await startGateway({ CONFIG_FILE: file });
  t.teardown(async () => {
    await gw.close();
    await fake.stop();
  });
  const response = await gw.client().responses.create({ model: 'gpt-5', input: 'news' });
  t.is(fake.last.path, '/v1/responses');
  t.is(response.id, (JSON.parse(readFixture('openai/openai-phase.1.json')) as { id: string }).id);
  await gw.client().completions.create({ model: 'gpt-5', prompt: 'x' });
  t.is(fake.last.path, '/v1/chat/completions', 'completions are not listed: converted to chat');
});
