import test from 'ava';
import { CancellationSource } from '../../../src/core/cancellation.js';
import { GatewayError, UpstreamError, RequestAbortedError } from '../../../src/core/errors.js';
import { chatCompletionRequestSchema, embeddingsRequestSchema } from '../../../src/core/openai-schemas.js';
import { estimateTokens } from '../../../src/core/token-estimate.js';
import { tokenUsage } from '../../../src/core/usage.js';
import { AnthropicProvider } from '../../../src/providers/anthropic/provider.js';
import { parseToolCallId } from '../../../src/providers/anthropic/tool-call-id.js';
import type { ChatResult } from '../../../src/providers/types.js';
import { UpstreamHttp } from '../../../src/upstream/http-client.js';
import { anthropicErrors, FakeAnthropicUpstream, frameEvent } from '../../fakes/anthropic-upstream.js';
import { readChunkLines } from '../../helpers/fixtures.js';
import { accumulate, type Chunk } from './stream-helpers.js';

const KEY = 'sk-ant-api03-provider-tests-key-0001';
const MODEL = 'claude-sonnet-4-5-20250929';

let fake: FakeAnthropicUpstream;
let http: UpstreamHttp;
let provider: AnthropicProvider;

test.before(async () => {
  fake = await new FakeAnthropicUpstream().start();
  fake.acceptedKeys = new Set([KEY]);
  http = new UpstreamHttp(5000);
  provider = new AnthropicProvider({ id: 'anthropic', http, baseUrl: fake.url });
});

test.after.always(async () => {
  http?.close();
  await fake?.stop();
});

test.afterEach.always(() => {
  fake.script = () => undefined;
  fake.maxModelsPageSize = 1000;
});

function chat(body: Record<string, unknown>, options: { apiKey?: string; cancellation?: CancellationSource } = {}): Promise<ChatResult> {
  return provider.chatCompletions({
    request: chatCompletionRequestSchema.parse({ model: `anthropic/${MODEL}`, ...body }),
    rawBody: undefined,
    upstreamModel: MODEL,
    apiKey: options.apiKey ?? KEY,
    cancellation: options.cancellation ?? new CancellationSource(),
  });
}

interface Completion {
  id: string;
  object: string;
  model: string;
  choices: { index: number; message: { content: string | null }; finish_reason: string }[];
  usage: unknown;
}

async function json(result: ChatResult): Promise<Completion> {
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return JSON.parse(result.body) as Completion;
}

async function collect(result: ChatResult): Promise<{ chunks: Chunk[]; error: unknown }> {
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const chunks: Chunk[] = [];
  try {
    for await (const batch of result.events) for (const payload of batch) chunks.push(JSON.parse(payload) as Chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

const failureOf = async (promise: Promise<unknown>): Promise<UpstreamError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
};

test.serial('chat: one POST /v1/messages with Anthropic headers; the answer comes back as a chat.completion', async (t) => {
  fake.script = () => ({ kind: 'reply', text: 'Bonjour !', usage: { input_tokens: 9, output_tokens: 4 } });
  const completion = await json(await chat({ messages: [{ role: 'system', content: 'Speak French.' }, { role: 'user', content: 'Hello' }], temperature: 0.2 }));
  t.is(completion.object, 'chat.completion');
  t.is(completion.model, MODEL);
  t.regex(completion.id, /^msg_01/);
  t.deepEqual(completion.choices, [{ index: 0, message: { role: 'assistant', content: 'Bonjour !', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
  t.deepEqual(completion.usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });

  const received = fake.last;
  t.is(received.method, 'POST');
  t.is(received.path, '/v1/messages');
  t.is(received.headers['x-api-key'], KEY);
  t.is(received.headers['anthropic-version'], '2023-06-01');
  t.is(received.headers['content-type'], 'application/json');
  t.is(received.headers.accept, 'application/json');
  t.is(received.headers.authorization, undefined, 'the key goes in x-api-key only');
  t.deepEqual(received.body, {
    model: MODEL,
    max_tokens: 4096,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    system: [{ type: 'text', text: 'Speak French.' }],
    temperature: 0.2,
  });
});

test.serial('streamed chat: SSE from Anthropic becomes OpenAI chunks, with usage when asked for', async (t) => {
  fake.script = () => ({ kind: 'reply', text: 'one two three four', usage: { input_tokens: 11, output_tokens: 5, cache_read_input_tokens: 100 } });
  const { chunks, error } = await collect(await chat({ messages: [{ role: 'user', content: 'Count' }], stream: true, stream_options: { include_usage: true } }));
  t.is(error, undefined);
  const message = accumulate(chunks);
  t.is(message.content, 'one two three four');
  t.deepEqual(message.finishReasons, ['stop']);
  t.deepEqual(chunks.at(-1)!.usage, {
    prompt_tokens: 111,
    completion_tokens: 5,
    total_tokens: 116,
    prompt_tokens_details: { cached_tokens: 100, audio_tokens: 0 },
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 100,
  });
  t.true(fake.last.body?.stream === true);
  t.is(fake.last.headers.accept, 'text/event-stream');
});

test.serial('a stream reports its usage without a usage chunk, and counts the text and tool arguments', async (t) => {
  fake.script = () => ({ kind: 'reply', text: 'one two three four', usage: { input_tokens: 11, output_tokens: 5, cache_read_input_tokens: 100 } });
  const result = await provider.chatCompletions({
    request: chatCompletionRequestSchema.parse({ model: `anthropic/${MODEL}`, messages: [{ role: 'user', content: 'Count' }], stream: true }),
    rawBody: undefined,
    upstreamModel: MODEL,
    apiKey: KEY,
    cancellation: new CancellationSource(),
    excerptChars: 7,
  });
  const { chunks, error } = await collect(result);
  t.is(error, undefined);
  t.true(chunks.every((chunk) => chunk.choices.length > 0));
  if (result.kind !== 'stream') throw new Error('expected a stream');
  t.deepEqual(result.report.usage, tokenUsage({ prompt: 111, completion: 5, cached: 100 }));
  t.is(result.report.excerpt, 'one two');
  const pieces = chunks.map((chunk) => chunk.choices[0]?.delta.content).filter((content): content is string => typeof content === 'string');
  t.is(result.report.estimatedCompletionTokens, pieces.reduce((sum, piece) => sum + estimateTokens(piece), 0));
  t.true(result.report.estimatedCompletionTokens >= estimateTokens('one two three four'));

  fake.script = () => ({ kind: 'fixture', name: 'anthropic-tool-no-args' });
  const tool = await chat({ messages: [{ role: 'user', content: 'Update the issues' }], stream: true });
  await collect(tool);
  if (tool.kind !== 'stream') throw new Error('expected a stream');
  t.true(tool.report.estimatedCompletionTokens >= estimateTokens('{}'));
  t.is(tool.report.excerpt, '');
});

test.serial('a recorded Anthropic stream replayed over HTTP converts like the fixture', async (t) => {
  fake.script = () => ({ kind: 'fixture', name: 'anthropic-tool-no-args' });
  const { chunks, error } = await collect(await chat({ messages: [{ role: 'user', content: 'Update the issues' }], stream: true }));
  t.is(error, undefined);
  const message = accumulate(chunks);
  t.deepEqual(message.toolCalls, [{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', type: 'function', name: 'updateIssueList', arguments: '{}' }]);
  t.deepEqual(message.finishReasons, ['tool_calls']);
  fake.script = () => ({ kind: 'fixture', name: 'anthropic-text' });
  const completion = await json(await chat({ messages: [{ role: 'user', content: 'Hi' }] }));
  t.is(completion.id, 'msg_01VdEjxAP5ahtHKrrRdNBteQ');
});

test.serial('a tool round trip with thinking: the second request carries the signed thinking and plain tool ids', async (t) => {
  const tools = [
    { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
    { type: 'function', function: { name: 'get_time' } },
  ];
  const signature = 'EpYCCkYIBRgCKkBsignedThinkingFromTheFake==';
  fake.script = () => ({
    kind: 'tool_use',
    thinking: 'Two lookups are needed.',
    signature,
    text: 'Let me look both up.',
    calls: [
      { name: 'get_weather', input: { city: 'Oslo' }, id: 'toolu_01Weather' },
      { name: 'get_time', input: {}, id: 'toolu_01Time' },
    ],
  });
  const question = { role: 'user', content: 'Weather and time in Oslo?' };
  const first = await collect(await chat({ messages: [question], tools, reasoning_effort: 'low', stream: true }));
  t.is(first.error, undefined);
  const turn = accumulate(first.chunks);
  t.is(turn.reasoning, 'Two lookups are needed.');
  t.is(turn.content, 'Let me look both up.');
  t.deepEqual(
    turn.toolCalls.map((call) => [call.name, call.arguments]),
    [
      ['get_weather', '{"city":"Oslo"}'],
      ['get_time', '{}'],
    ],
  );
  t.deepEqual(turn.finishReasons, ['tool_calls']);
  t.is(parseToolCallId(turn.toolCalls[0]!.id, 'id').toolUseId, 'toolu_01Weather');
  t.is(turn.toolCalls[1]!.id, 'toolu_01Time');

  // The client sends the conversation back the way OpenAI clients do: content, tool_calls, tool messages.
  fake.script = () => ({ kind: 'reply', text: 'It is 3°C and 14:05 in Oslo.' });
  const answer = await json(
    await chat({
      messages: [
        question,
        {
          role: 'assistant',
          content: turn.content,
          tool_calls: turn.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
        },
        { role: 'tool', tool_call_id: turn.toolCalls[0]!.id, content: '3°C' },
        { role: 'tool', tool_call_id: turn.toolCalls[1]!.id, content: '14:05' },
      ],
      tools,
      reasoning_effort: 'low',
      parallel_tool_calls: false,
    }),
  );
  t.is(answer.choices[0]!.message.content, 'It is 3°C and 14:05 in Oslo.');

  const body = fake.last.body!;
  t.is(body.model, MODEL);
  t.is(body.max_tokens, 4096 + 2048);
  t.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 2048 });
  t.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  t.deepEqual(body.tools, [
    { name: 'get_weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    { name: 'get_time', input_schema: { type: 'object', properties: {} } },
  ]);
  const messages = body.messages as unknown[];
  t.is(messages.length, 3);
  t.deepEqual(messages[0], { role: 'user', content: [{ type: 'text', text: 'Weather and time in Oslo?' }] });
  t.deepEqual(messages[1], {
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'Two lookups are needed.', signature },
      { type: 'text', text: 'Let me look both up.' },
      { type: 'tool_use', id: 'toolu_01Weather', name: 'get_weather', input: { city: 'Oslo' } },
      { type: 'tool_use', id: 'toolu_01Time', name: 'get_time', input: {} },
    ],
  });
  t.deepEqual(messages[2], {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_01Weather', content: '3°C' },
      { type: 'tool_result', tool_use_id: 'toolu_01Time', content: '14:05' },
    ],
  });
  t.is(body.stream, undefined);
});

test.serial('upstream errors keep their status and message: a bad key, a rate limit, a refused request', async (t) => {
  const badKey = await failureOf(chat({ messages: [{ role: 'user', content: 'x' }] }, { apiKey: 'sk-ant-api03-not-a-key-we-accept-000' }));
  t.is(badKey.status, 401);
  t.is(badKey.code, 'invalid_api_key');
  t.is(badKey.message, 'invalid x-api-key');

  fake.script = () => anthropicErrors.rateLimited(17);
  const limited = await failureOf(chat({ messages: [{ role: 'user', content: 'x' }] }));
  t.is(limited.status, 429);
  t.is(limited.retryAfterMs, 17_000);

  fake.script = () => undefined;
  const refused = await failureOf(
    chat({
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'a' } }],
      tool_choice: { type: 'function', function: { name: 'missing' } },
    }),
  );
  t.is(refused.status, 400);
  t.is(refused.message, "Tool 'missing' not found in provided tools");

  fake.script = () => anthropicErrors.creditBalanceTooLow();
  t.is((await failureOf(chat({ messages: [{ role: 'user', content: 'x' }], stream: true }))).keyProblem, 'quota_exhausted');
});

test.serial('529 overloaded becomes a retryable 503, whether answered at once or inside the stream', async (t) => {
  fake.script = () => anthropicErrors.overloaded();
  const direct = await failureOf(chat({ messages: [{ role: 'user', content: 'x' }] }));
  t.is(direct.status, 503);
  t.is(direct.message, 'Overloaded');
  const beforeStream = await failureOf(chat({ messages: [{ role: 'user', content: 'x' }], stream: true }));
  t.is(beforeStream.status, 503);

  // Right after message_start: the failure comes with the first read, before anything could reach the client.
  fake.script = () => ({ kind: 'reply', text: 'never sent', errorAfterEvents: 1 });
  const result = await chat({ messages: [{ role: 'user', content: 'x' }], stream: true });
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const iterator = result.events[Symbol.asyncIterator]();
  const firstRead = await failureOf(iterator.next());
  t.is(firstRead.status, 503);
  t.is(firstRead.code, 'overloaded_error');

  // After content: the content arrives, then the failure.
  fake.script = () => ({ kind: 'reply', text: 'one two three four five', errorAfterEvents: 6, eventDelayMs: 15 });
  const { chunks, error } = await collect(await chat({ messages: [{ role: 'user', content: 'x' }], stream: true }));
  t.is(accumulate(chunks).content, 'one two three ');
  t.is((error as UpstreamError).status, 503);
  t.deepEqual(accumulate(chunks).finishReasons, []);
});

test.serial('a stream cut short, cleanly or by a broken connection, fails instead of looking complete', async (t) => {
  fake.script = () => ({ kind: 'reply', text: 'one two three', endAfterEvents: 5 });
  const ended = await collect(await chat({ messages: [{ role: 'user', content: 'x' }], stream: true }));
  t.is((ended.error as UpstreamError).code, 'upstream_stream_truncated');

  fake.script = () => ({ kind: 'reply', text: 'one two three', failAfterEvents: 5 });
  const broken = await collect(await chat({ messages: [{ role: 'user', content: 'x' }], stream: true }));
  t.true(broken.error instanceof UpstreamError);
  t.true((broken.error as UpstreamError).status >= 500);
});

test.serial('cancelling a streamed call aborts the upstream request', async (t) => {
  fake.script = () => ({ kind: 'reply', text: 'a b c d e f g h i j', eventDelayMs: 50 });
  const cancellation = new CancellationSource();
  const result = await chat({ messages: [{ role: 'user', content: 'x' }], stream: true }, { cancellation });
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const iterator = result.events[Symbol.asyncIterator]();
  await iterator.next();
  const abortsBefore = fake.aborted.length;
  cancellation.cancel();
  const error = await iterator.next().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.true(error instanceof RequestAbortedError);
  const deadline = Date.now() + 2000;
  while (fake.aborted.length === abortsBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  t.is(fake.aborted.length, abortsBefore + 1, 'the fake saw the request go away');
  t.is(fake.aborted.at(-1), fake.last);
});

test.serial('listModels follows the pagination to the end', async (t) => {
  fake.models = [
    { id: 'claude-opus-4-5-20251101', display_name: 'Claude Opus 4.5', created_at: '2025-11-24T00:00:00Z' },
    { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
    { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
    { id: 'claude-opus-4-1-20250805', display_name: 'Claude Opus 4.1', created_at: '2025-08-05T00:00:00Z' },
    { id: 'claude-3-5-haiku-20241022', display_name: 'Claude Haiku 3.5', created_at: '2024-10-22T00:00:00Z' },
  ];
  fake.maxModelsPageSize = 2;
  const before = fake.requests.length;
  const models = await provider.listModels({ apiKey: KEY, cancellation: new CancellationSource() });
  t.deepEqual(
    models.map((model) => model.id),
    fake.models.map((model) => model.id),
  );
  t.is(models[0]!.created, Date.parse('2025-11-24T00:00:00Z') / 1000);
  const pages = fake.requests.slice(before);
  t.deepEqual(
    pages.map((request) => [request.path, request.query.get('after_id')]),
    [
      ['/v1/models', null],
      ['/v1/models', 'claude-sonnet-4-5-20250929'],
      ['/v1/models', 'claude-opus-4-1-20250805'],
    ],
  );
  t.is(pages[0]!.headers['x-api-key'], KEY);
  t.is(pages[0]!.headers['anthropic-version'], '2023-06-01');
  const refused = await failureOf(provider.listModels({ apiKey: 'sk-ant-api03-wrong-key-000000000', cancellation: new CancellationSource() }));
  t.is(refused.status, 401);
});

test('embeddings are refused as a client error: Anthropic has no embeddings API', async (t) => {
  const error = await t.throwsAsync(
    provider.embeddings({
      request: embeddingsRequestSchema.parse({ model: 'anthropic/claude-sonnet-4-5', input: 'hello' }),
      rawBody: undefined,
      upstreamModel: 'claude-sonnet-4-5',
      apiKey: KEY,
      cancellation: new CancellationSource(),
    }),
  );
  t.true(error instanceof GatewayError);
  t.false(error instanceof UpstreamError, 'not held against the key');
  t.is((error as GatewayError).status, 400);
  t.regex((error as GatewayError).message, /no embeddings API/);
});

// ---- the fake itself: what the end-to-end suite relies on ---------------------------------------------------------

const post = (body: unknown, headers: Record<string, string> = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }) =>
  fetch(`${fake.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test.serial('the fake frames SSE exactly as Anthropic does: event line, data line, blank line, no [DONE]', async (t) => {
  fake.script = () => ({ kind: 'fixture', name: 'anthropic-text' });
  const response = await post({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true });
  t.is(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const expected = readChunkLines('anthropic/anthropic-text.chunks.txt').map(frameEvent).join('');
  t.is(await response.text(), expected);
  t.true(expected.startsWith('event: message_start\ndata: {"type":"message_start"'));
  t.false(expected.includes('[DONE]'));
});

test.serial('the fake streams generated answers with pings and the events Anthropic sends', async (t) => {
  fake.script = () => ({ kind: 'tool_use', calls: [{ name: 'a', input: { x: 1 } }, { name: 'b', input: {} }] });
  const text = await (await post({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true })).text();
  const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
  t.deepEqual(names, [
    'message_start',
    'content_block_start',
    'content_block_delta',
    'content_block_delta',
    'content_block_stop',
    'ping',
    'content_block_start',
    'content_block_delta',
    'content_block_stop',
    'message_delta',
    'message_stop',
  ]);
});

test.serial('the fake refuses what Anthropic refuses, with Anthropic error bodies', async (t) => {
  const noVersion = await post({ model: MODEL, max_tokens: 10, messages: [] }, { 'x-api-key': KEY });
  t.is(noVersion.status, 400);
  const noVersionBody = (await noVersion.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  t.is(noVersionBody.type, 'error');
  t.deepEqual(noVersionBody.error, { type: 'invalid_request_error', message: 'anthropic-version: header is required' });
  t.regex(noVersionBody.request_id, /^req_01/);
  const noMaxTokens = await post({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  t.deepEqual(((await noMaxTokens.json()) as { error: unknown }).error, { type: 'invalid_request_error', message: 'max_tokens: Field required' });
  const budget = await post({ model: MODEL, max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 2000 }, messages: [{ role: 'user', content: 'hi' }] });
  t.is(budget.status, 400);
  const toolLoop = (resultIds: string[]) =>
    post({
      model: MODEL,
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: resultIds.map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'x' })) },
      ],
    });
  const errorMessage = async (response: Response) => ((await response.json()) as { error: { message: string } }).error.message;
  t.regex(await errorMessage(await toolLoop(['toolu_2'])), /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);
  t.regex(await errorMessage(await toolLoop(['toolu_1', 'toolu_2'])), /unexpected `tool_use_id` found in `tool_result` blocks: toolu_2/);
  t.is((await toolLoop(['toolu_1'])).status, 200);
  const noKey = await post({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
  t.is(noKey.status, 401);
});
