import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { FakeGeminiUpstream, fakeGeminiEmbedding, invalidArgumentError, rateLimitError } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { CLIENT_TOKEN, gatewayInFrontOf, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const K = ['AIzaSyGatewayTestKeyOne00000000000001', 'AIzaSyGatewayTestKeyTwo00000000000002'];

const setUp = (t: ExecutionContext, env: Record<string, string> = {}) =>
  gatewayInFrontOf(t, new FakeGeminiUpstream(), (fake) => ({ API_KEYS: JSON.stringify(K), BASE_URL: fake.url, MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: 'true', ...env }));

const weather = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const clock = {
  type: 'function' as const,
  function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] } },
};

const roundTripCalls = [
  { name: 'get_weather', args: { city: 'Paris' } },
  { name: 'get_time', args: { zone: 'Europe/Paris' } },
];

function assertFirstTurnSent(t: ExecutionContext, fake: FakeGeminiUpstream, action: string) {
  const sent = fake.calls[0]!;
  t.is(sent.path, `/v1beta/models/gemini-2.5-flash:${action}`);
  t.true(K.includes(sent.headers['x-goog-api-key'] as string), 'a pool key, never the client token');
  t.deepEqual(sent.body!.systemInstruction, { parts: [{ text: 'You are terse.' }] });
  t.deepEqual(sent.body!.contents, [{ role: 'user', parts: [{ text: 'Weather and time in Paris?' }] }]);
  t.deepEqual(sent.body!.tools, [
    {
      functionDeclarations: [
        { name: 'get_weather', description: 'Current weather for a city', parametersJsonSchema: weather.function.parameters },
        { name: 'get_time', parametersJsonSchema: clock.function.parameters },
      ],
    },
  ]);
  t.is(sent.body!.toolConfig, undefined, 'no tool_choice sent, none invented');
  t.deepEqual(sent.body!.generationConfig, { temperature: 0.2, thinkingConfig: { includeThoughts: true } }, 'only what the client sent');
  t.deepEqual(
    (sent.body!.safetySettings as { threshold: string }[]).map((setting) => setting.threshold),
    ['OFF', 'OFF', 'OFF', 'OFF'],
  );
}

function assertSecondTurnSent(t: ExecutionContext, fake: FakeGeminiUpstream) {
  t.deepEqual(fake.calls[1]!.body!.contents, [
    { role: 'user', parts: [{ text: 'Weather and time in Paris?' }] },
    { role: 'model', parts: roundTripCalls.map((call) => ({ functionCall: call })) },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { sky: 'sunny', celsius: 24 } } },
        { functionResponse: { name: 'get_time', response: { output: '14:05' } } },
      ],
    },
  ]);
}

const firstTurn = {
  model: 'gemini-2.5-flash',
  temperature: 0.2,
  messages: [
    { role: 'system' as const, content: 'You are terse.' },
    { role: 'user' as const, content: 'Weather and time in Paris?' },
  ],
  tools: [weather, clock],
};

const followUp = (calls: OpenAI.ChatCompletionMessageToolCall[]): OpenAI.ChatCompletionCreateParamsNonStreaming => ({
  ...firstTurn,
  messages: [
    ...firstTurn.messages,
    { role: 'assistant', content: null, tool_calls: calls },
    { role: 'tool', tool_call_id: calls[0]!.id, content: '{"sky":"sunny","celsius":24}' },
    { role: 'tool', tool_call_id: calls[1]!.id, content: '14:05' },
  ],
});

test('a full tool round trip with parallel calls through the OpenAI SDK', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'function_calls', calls: roundTripCalls }, { kind: 'text', text: 'Sunny, 24 °C; it is 14:05.' });
  const first = await gw.client().chat.completions.create(firstTurn);
  assertFirstTurnSent(t, fake, 'generateContent');
  const choice = first.choices[0]!;
  t.is(choice.finish_reason, 'tool_calls');
  const calls = choice.message.tool_calls!.filter((call) => call.type === 'function');
  t.deepEqual(
    calls.map((call) => [call.function.name, JSON.parse(call.function.arguments)]),
    roundTripCalls.map((call) => [call.name, call.args]),
  );
  t.is(new Set(calls.map((call) => call.id)).size, 2);

  const second = await gw.client().chat.completions.create(followUp(choice.message.tool_calls!));
  assertSecondTurnSent(t, fake);
  t.is(second.choices[0]!.message.content, 'Sunny, 24 °C; it is 14:05.');
  t.is(second.choices[0]!.finish_reason, 'stop');
  t.true(second.usage!.total_tokens > 0);
});

test('the same round trip streamed, accumulated by the SDK stream helper', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'function_calls', calls: roundTripCalls }, { kind: 'text', text: 'Sunny, 24 °C; it is 14:05.', pieces: 4 });
  const first = await gw.client().chat.completions.stream(firstTurn).finalChatCompletion();
  assertFirstTurnSent(t, fake, 'streamGenerateContent');
  t.deepEqual(fake.calls[0]!.query, { alt: 'sse' });
  t.is(first.choices[0]!.finish_reason, 'tool_calls');
  const calls = first.choices[0]!.message.tool_calls!;
  t.deepEqual(
    calls.map((call) => (call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : [])),
    roundTripCalls.map((call) => [call.name, call.args]),
  );

  const stream = await gw.client().chat.completions.create({ ...followUp(calls), stream: true, stream_options: { include_usage: true } });
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined;
  let roleFirst: string | undefined;
  for await (const chunk of stream) {
    roleFirst ??= chunk.choices[0]?.delta.role;
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  assertSecondTurnSent(t, fake);
  t.is(roleFirst, 'assistant');
  t.is(text, 'Sunny, 24 °C; it is 14:05.');
  t.true((usage?.total_tokens ?? 0) > 0);
});

test('search models get Google Search, and the sources come back as links and url_citation annotations', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({
    kind: 'response',
    body: {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Paris is sunny today.' }] },
          finishReason: 'STOP',
          groundingMetadata: {
            webSearchQueries: ['paris weather'],
            groundingChunks: [{ web: { uri: 'https://weather.example/paris', title: 'weather.example' } }],
            groundingSupports: [{ segment: { startIndex: 0, endIndex: 21, text: 'Paris is sunny today.' }, groundingChunkIndices: [0] }],
          },
        },
      ],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6, totalTokenCount: 11 },
    },
  });
  const completion = await gw.client().chat.completions.create({ model: 'gemini-2.5-flash-search', messages: [{ role: 'user', content: 'Weather in Paris?' }] });
  t.is(fake.calls[0]!.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  t.deepEqual(fake.calls[0]!.body!.tools, [{ googleSearch: {} }]);
  const message = completion.choices[0]!.message;
  t.true(message.content!.startsWith('Paris is sunny today.'));
  t.regex(message.content!, /\[weather\.example\]\(https:\/\/weather\.example\/paris\)/);
  t.is(message.annotations?.[0]?.type, 'url_citation');
  t.is(message.annotations?.[0]?.url_citation.url, 'https://weather.example/paris');
});

test('thinking: reasoning_effort becomes a budget and thoughts arrive as reasoning_content, never in content', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'text', text: 'The answer is 42.', thought: 'Six times seven.' });
  const completion = await gw.client().chat.completions.create({
    model: 'gemini/gemini-2.5-flash',
    reasoning_effort: 'low',
    messages: [{ role: 'user', content: 'What is 6 x 7?' }],
  });
  const thinking = (fake.calls[0]!.body!.generationConfig as { thinkingConfig: { thinkingBudget: number; includeThoughts: boolean } }).thinkingConfig;
  t.true(thinking.includeThoughts);
  t.true(thinking.thinkingBudget > 0);
  const message = completion.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
  t.is(message.content, 'The answer is 42.');
  t.is(message.reasoning_content, 'Six times seven.');
  t.true((completion.usage?.completion_tokens_details?.reasoning_tokens ?? 0) > 0);
});

test('images: a data URL is sent inline, an http URL is fetched and sent inline', async (t) => {
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  const images: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(png);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => images.close(() => resolve())));
  const { fake, gw } = await setUp(t);
  await gw.client().chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What are these?' },
          { type: 'image_url', image_url: { url: `data:image/jpeg;base64,${Buffer.from('jpeg-bytes').toString('base64')}` } },
          { type: 'image_url', image_url: { url: `http://127.0.0.1:${(images.address() as AddressInfo).port}/pixel.png` } },
        ],
      },
    ],
  });
  t.deepEqual(fake.calls[0]!.body!.contents, [
    {
      role: 'user',
      parts: [
        { text: 'What are these?' },
        { inlineData: { mimeType: 'image/jpeg', data: Buffer.from('jpeg-bytes').toString('base64') } },
        { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
      ],
    },
  ]);
});

test('an image URL on a private address is refused unless the operator allows private networks', async (t) => {
  const { fake, gw } = await setUp(t, { MEDIA_FETCH_ALLOW_PRIVATE_NETWORKS: 'false' });
  const error = (await t.throwsAsync(
    gw.client().chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1:9/secret.png' } }] }],
    }),
  )) as InstanceType<typeof OpenAI.BadRequestError>;
  t.is(error.status, 400);
  t.is(fake.calls.length, 0);
});

test('a JSON schema response format asks Gemini for JSON with the schema', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'text', text: '{"city":"Paris","celsius":24}' });
  const schema = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'] };
  const completion = await gw.client().chat.completions.create({
    model: 'gemini-2.5-flash',
    messages: [{ role: 'user', content: 'Weather in Paris as JSON' }],
    response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } },
  });
  const config = fake.calls[0]!.body!.generationConfig as Record<string, unknown>;
  t.is(config.responseMimeType, 'application/json');
  t.deepEqual(config.responseJsonSchema, schema);
  t.deepEqual(JSON.parse(completion.choices[0]!.message.content!), { city: 'Paris', celsius: 24 });
});

test('embeddings with Gemini models, float and base64 (the SDK default)', async (t) => {
  const { fake, gw } = await setUp(t);
  const asFloats = await gw.client().embeddings.create({ model: 'gemini-embedding-001', input: ['alpha', 'beta'], encoding_format: 'float', dimensions: 8 });
  const sent = fake.calls[0]!;
  t.is(sent.path, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
  t.deepEqual(sent.body, {
    requests: ['alpha', 'beta'].map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 8 })),
  });
  t.is(asFloats.data.length, 2);
  asFloats.data[0]!.embedding.forEach((value, index) => t.true(Math.abs(value - fakeGeminiEmbedding('alpha', 8)[index]!) < 1e-6));
  t.true(asFloats.usage.prompt_tokens > 0);

  const asBase64 = await gw.client().embeddings.create({ model: 'text-embedding-004', input: 'alpha', dimensions: 8 });
  t.is(fake.calls[1]!.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
  asBase64.data[0]!.embedding.forEach((value, index) => t.true(Math.abs(value - fakeGeminiEmbedding('alpha', 8)[index]!) < 1e-6));
});

test('a Gemini key that Google calls invalid is retired and the call succeeds on the next key', async (t) => {
  const { fake, gw } = await setUp(t, { MAX_FAILURES: '1' });
  fake.acceptedKeys = new Set([K[1]!]);
  for (let index = 0; index < 3; index++) {
    const completion = await gw.client().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
    t.is(completion.object, 'chat.completion');
  }
  t.is(fake.calls.filter((call) => call.apiKey === K[0]).length, 1, 'API_KEY_INVALID retired the first key at once');
});

function genai(gw: RunningGateway, token = CLIENT_TOKEN): GoogleGenAI {
  return new GoogleGenAI({ apiKey: token, httpOptions: { baseUrl: gw.url } });
}

test('the @google/genai SDK works against the native routes, with pool keys rotating', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'text', text: 'Hello from Gemini.' }, { kind: 'text', text: 'Streamed hello from Gemini.', pieces: 3 });
  const ai = genai(gw);
  const reply = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello' });
  t.is(reply.text, 'Hello from Gemini.');

  let streamed = '';
  for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Say hello' })) streamed += chunk.text ?? '';
  t.is(streamed, 'Streamed hello from Gemini.');

  const embedded = await ai.models.embedContent({ model: 'gemini-embedding-001', contents: 'alpha', config: { outputDimensionality: 8 } });
  t.is(embedded.embeddings?.[0]?.values?.length, 8);

  const calls = fake.calls;
  t.is(calls.length, 3);
  t.deepEqual(
    calls.map((call) => call.apiKey),
    [K[0], K[1], K[0]],
    'pool keys take turns',
  );
  t.false(calls.some((call) => JSON.stringify(call.headers).includes(CLIENT_TOKEN) || JSON.stringify(call.query).includes(CLIENT_TOKEN)));
  t.deepEqual(calls[1]!.query, { alt: 'sse' });
  // The body went up untouched.
  t.deepEqual(calls[0]!.body, { contents: [{ parts: [{ text: 'Say hello' }], role: 'user' }] });
});

test('native routes: bodies and answers pass through untouched, under /gemini/v1beta too', async (t) => {
  const { fake, gw } = await setUp(t);
  const body = '{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"temperature":0.1}}';
  for (const prefix of ['/v1beta', '/gemini/v1beta']) {
    const response = await fetch(`${gw.url}${prefix}/models/gemini-2.5-flash:generateContent?key=${CLIENT_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    t.is(response.status, 200);
    t.is(fake.last.rawBody, body);
    t.deepEqual(fake.last.query, {}, 'the gateway token is not forwarded');
    const answer = (await response.json()) as { candidates: { content: { parts: { text: string }[]; role: string } }[]; modelVersion: string };
    t.deepEqual(answer.candidates[0]?.content, { parts: [{ text: 'You said: hi' }], role: 'model' });
    t.is(answer.modelVersion, 'gemini-2.5-flash');
  }
  const models = await fetch(`${gw.url}/v1beta/models?pageSize=5`, { headers: { 'x-goog-api-key': CLIENT_TOKEN } });
  t.is(models.status, 200);
  t.deepEqual(fake.last.query, { pageSize: '5' });
  const page = (await models.json()) as { models: unknown[]; nextPageToken?: string };
  t.deepEqual(page.models, JSON.parse(JSON.stringify(fake.models.slice(0, 5))), "the upstream's first page, as it sent it");
  t.is(typeof page.nextPageToken, 'string', 'with its token for the next page');
});

test('native routes: the token is required, errors keep Google shape, an upstream error passes through', async (t) => {
  const { fake, gw } = await setUp(t);
  const url = `${gw.url}/v1beta/models/gemini-2.5-flash:generateContent`;
  const unauthorised = await fetch(url, { method: 'POST', body: '{}' });
  t.is(unauthorised.status, 401);
  t.is(((await unauthorised.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
  const wrong = await fetch(`${url}?key=wrong-token`, { method: 'POST', body: '{}' });
  t.is(wrong.status, 401);

  fake.enqueue({ kind: 'error', status: 400, body: invalidArgumentError('Invalid JSON payload received. Unknown name "foo"') });
  const rejected = await fetch(`${url}?key=${CLIENT_TOKEN}`, { method: 'POST', body: '{"foo":1}' });
  t.is(rejected.status, 400);
  t.deepEqual(await rejected.json(), invalidArgumentError('Invalid JSON payload received. Unknown name "foo"'));
  t.is(fake.calls.length, 1, "the client's mistake is not retried");

  const sdk = genai(gw, 'wrong-token');
  const error = await t.throwsAsync(sdk.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
  t.regex(error.message, /401/);
});

test('native routes: a 429 on one key is retried on the next; the client sees the answer', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'error', status: 429, body: rateLimitError({ retryDelay: '20s' }) });
  const reply = await genai(gw).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
  t.is(reply.text, 'You said: hi');
  t.deepEqual(
    fake.calls.map((call) => call.apiKey),
    K,
  );
  const keys = (await (await fetch(`${gw.url}/admin/api/upstream-keys/gemini`, { headers: { authorization: `Bearer ${CLIENT_TOKEN}` } })).json()) as {
    keys: { status: string; cooling_until: string | null; cooling_models: Record<string, string> }[];
  };
  t.is(keys.keys[0]!.status, 'valid', "Gemini's limits are per model: the key still serves the others");
  t.is(keys.keys[0]!.cooling_until, null);
  t.true(Date.parse(keys.keys[0]!.cooling_models['gemini-2.5-flash']!) - Date.now() > 15_000, 'it rests for the model, for the RetryInfo delay');
});

test("Gemini's OpenAI-compatible endpoint is reachable under /openai/v1 with pool keys", async (t) => {
  const compatible = await new FakeOpenAIUpstream().start();
  compatible.pathPrefix = '/v1beta/openai';
  const gw = await startGateway({ API_KEYS: JSON.stringify(K), BASE_URL: `${compatible.url.replace(/\/v1$/, '')}/v1beta` });
  t.teardown(async () => {
    await gw.close();
    await compatible.stop();
  });
  const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${gw.url}/openai/v1`, maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hello' }] });
  t.is(completion.choices[0]!.message.content, 'You said: hello');
  t.is(compatible.last.path, '/v1beta/openai/chat/completions');
  t.is(compatible.last.headers.authorization, `Bearer ${K[0]}`);
  t.is(compatible.last.body?.model, 'gemini-2.5-flash');
  let text = '';
  for await (const chunk of await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
    text += chunk.choices[0]?.delta.content ?? '';
  }
  t.is(text, 'You said: hi');
  t.is(compatible.last.headers.authorization, `Bearer ${K[1]}`);
  const models = await client.models.list();
  t.true(models.data.some((model) => model.id === 'gpt-4o'));
});

test("/v1/models lists Gemini's models with the derived -search and -non-thinking ids, each usable", async (t) => {
  const { fake, gw } = await setUp(t);
  const models = (await gw.client().models.list()).data;
  const ids = models.map((model) => model.id);
  for (const id of ['gemini-2.5-flash', 'gemini-2.5-flash-search', 'gemini-2.5-flash-non-thinking', 'gemini-embedding-001']) t.true(ids.includes(id), id);
  t.true(models.every((model) => model.owned_by === 'gemini'));
  const chatModel = ids.find((id) => id.endsWith('-non-thinking'))!;
  await gw.client().chat.completions.create({ model: chatModel, messages: [{ role: 'user', content: 'hi' }] });
  t.is(fake.calls.at(-1)!.path, `/v1beta/models/${chatModel.replace(/-non-thinking$/, '')}:generateContent`);
});

test('native routes: a client key works with the @google/genai SDK, its allowlist holds, and usage comes from usageMetadata', async (t) => {
  const admin = 'sk-admin-for-gemini-native-000001';
  const { fake, gw } = await setUp(t, { AUTH_TOKEN: admin });
  const api = adminApi(gw, admin);
  const { id, key } = await api.createKey({ name: 'genai-user', models: ['gemini/gemini-2.5-*'] });
  fake.enqueue({ kind: 'text', text: 'Hello from Gemini.' }, { kind: 'text', text: 'Streamed hello from Gemini.', pieces: 3 });
  const ai = genai(gw, key);
  t.is((await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello' })).text, 'Hello from Gemini.');
  let final: { usageMetadata?: { totalTokenCount?: number } } = {};
  for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Say hello' })) final = chunk;
  const refused = await t.throwsAsync(ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'x' }));
  t.regex(refused.message, /not allowed to use the model/);

  type Log = { endpoint: string; stream: boolean; status: number; usage: { total_tokens: number; estimated: boolean } };
  let logs: Log[] = [];
  await waitFor(async () => {
    logs = (await api.get<{ data: Log[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
    return logs.length === 3;
  }, 'three log records');
  t.deepEqual(
    logs.map((log) => [log.endpoint, log.stream, log.status]),
    [
      ['gemini', false, 403],
      ['gemini', true, 200],
      ['gemini', false, 200],
    ],
  );
  t.is(logs[1]!.usage.total_tokens, final.usageMetadata!.totalTokenCount!);
  t.false(logs[1]!.usage.estimated);
  t.true(logs[2]!.usage.total_tokens > 0);
});
