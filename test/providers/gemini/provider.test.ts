import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { CancellationSource } from '../../../src/core/cancellation.js';
import { decodeEmbeddingBase64 } from '../../../src/core/embedding-encoding.js';
import { GatewayError, UpstreamError, RequestAbortedError } from '../../../src/core/errors.js';
import { chatCompletionRequestSchema, embeddingsRequestSchema } from '../../../src/core/openai-schemas.js';
import { type GeminiProviderOptions, GeminiProvider } from '../../../src/providers/gemini/provider.js';
import { decodeToolCallId } from '../../../src/providers/gemini/tool-call-id.js';
import type { ChatResult, StreamResult } from '../../../src/providers/types.js';
import { UpstreamHttp } from '../../../src/upstream/http-client.js';
import { createMediaFetcher } from '../../../src/upstream/media-fetcher.js';
import { type FakeGeminiUpstream, fakeGeminiEmbedding, rateLimitError, startFakeGemini } from '../../fakes/gemini-upstream.js';
import { geminiTestOptions } from './provider-options.js';

const KEY = 'AIzaSyTESTtestTESTtestTESTtestTESTtest12';

interface Setup {
  fake: FakeGeminiUpstream;
  provider: GeminiProvider;
  http: UpstreamHttp;
  options: GeminiProviderOptions;
}

async function setup(t: ExecutionContext, overrides: Partial<GeminiProviderOptions> = {}): Promise<Setup> {
  const fake = await startFakeGemini();
  fake.acceptedKeys = new Set([KEY]);
  const http = new UpstreamHttp(10_000);
  const options = geminiTestOptions(http, fake.url, overrides);
  t.teardown(async () => {
    http.close();
    await fake.stop();
  });
  return { fake, provider: new GeminiProvider(options), http, options };
}

const chatCall = (body: Record<string, unknown>, upstreamModel: string, apiKey: string | undefined = KEY, cancellation = new CancellationSource()) => ({
  request: chatCompletionRequestSchema.parse({ model: `gemini/${upstreamModel}`, ...body }),
  rawBody: undefined,
  upstreamModel,
  apiKey,
  cancellation,
});

interface Completion {
  id: string;
  object: string;
  model: string;
  choices: {
    index: number;
    message: {
      role: string;
      content: string | null;
      reasoning_content?: string;
      tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
      annotations: { type: string; url_citation: { url: string; start_index: number; end_index: number } }[];
      refusal: string | null;
    };
    finish_reason: string;
  }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; completion_tokens_details: { reasoning_tokens: number } };
}

interface StreamChunk {
  choices: { index: number; delta: Record<string, unknown> & { tool_calls?: { index: number; id: string; function: { name: string; arguments: string } }[] }; finish_reason: string | null }[];
  usage?: Completion['usage'] | null;
}

function json(result: ChatResult): Completion {
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return JSON.parse(result.body) as Completion;
}

async function drain(result: ChatResult): Promise<StreamChunk[]> {
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const chunks: StreamChunk[] = [];
  for await (const batch of result.events) for (const payload of batch) chunks.push(JSON.parse(payload) as StreamChunk);
  return chunks;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the call to fail');
  return outcome;
}

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  },
};

const SIGNATURE = 'CiQBjz1rX8TmZpU0c2lnbmF0dXJlLWZvci10aGUtZmlyc3QtY2FsbA==';

test('a full tool round trip, not streamed, with parallel calls on Gemini 3: ids carry the signature to another instance', async (t) => {
  const { fake, provider, options } = await setup(t);
  fake.enqueue(
    {
      kind: 'function_calls',
      text: 'Let me look both up.',
      calls: [
        { name: 'get_weather', args: { city: 'Paris' }, thoughtSignature: SIGNATURE },
        { name: 'get_weather', args: { city: 'Rome' } },
      ],
    },
    { kind: 'text', text: 'Paris is sunny and Rome is rainy.' },
  );
  const question = { role: 'user', content: 'Weather in Paris and Rome?' };
  const first = json(await provider.chatCompletions(chatCall({ messages: [question], tools: [weatherTool], tool_choice: 'auto' }, 'gemini-3-flash-preview')));

  const sent = fake.calls[0]!;
  t.is(sent.method, 'POST');
  t.is(sent.path, '/v1beta/models/gemini-3-flash-preview:generateContent');
  t.deepEqual(sent.query, {});
  t.is(sent.headers['x-goog-api-key'], KEY);
  t.is(sent.keySource, 'header');
  t.is(sent.headers['content-type'], 'application/json');
  t.deepEqual(sent.body!.contents, [{ role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] }]);
  t.deepEqual(sent.body!.tools, [
    {
      functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a city', parametersJsonSchema: weatherTool.function.parameters }],
    },
  ]);
  t.deepEqual(sent.body!.toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
  t.is((sent.body!.safetySettings as unknown[]).length, 4);
  t.deepEqual(sent.body!.generationConfig, { thinkingConfig: { includeThoughts: true } });
  t.is(sent.body!.systemInstruction, undefined);

  const choice = first.choices[0]!;
  t.is(first.object, 'chat.completion');
  t.is(first.model, 'gemini/gemini-3-flash-preview');
  t.is(choice.finish_reason, 'tool_calls');
  t.is(choice.message.content, 'Let me look both up.');
  const calls = choice.message.tool_calls!;
  t.deepEqual(
    calls.map((call) => call.function),
    [
      { name: 'get_weather', arguments: '{"city":"Paris"}' },
      { name: 'get_weather', arguments: '{"city":"Rome"}' },
    ],
  );
  t.is(decodeToolCallId(calls[0]!.id).thoughtSignature, SIGNATURE);

  // The next turn goes to a different provider instance (another gateway replica): nothing is remembered in memory.
  const otherInstance = new GeminiProvider(options);
  const followUp = {
    messages: [
      question,
      { role: 'assistant', content: choice.message.content, tool_calls: calls },
      { role: 'tool', tool_call_id: calls[1]!.id, content: '{"sky":"rain","celsius":14}' },
      { role: 'tool', tool_call_id: calls[0]!.id, content: 'sunny, 24 °C' },
    ],
    tools: [weatherTool],
  };
  const second = json(await otherInstance.chatCompletions(chatCall(followUp, 'gemini-3-flash-preview')));
  t.is(second.choices[0]!.message.content, 'Paris is sunny and Rome is rainy.');
  t.is(second.choices[0]!.finish_reason, 'stop');

  // The fake checks Gemini 3's signature rule; the request passed it, and here is what it carried.
  const replayed = fake.calls[1]!.body!.contents as { role: string; parts: Record<string, unknown>[] }[];
  t.deepEqual(replayed, [
    { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
    {
      role: 'model',
      parts: [
        { text: 'Let me look both up.' },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIGNATURE },
        { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { output: 'sunny, 24 °C' } } },
        { functionResponse: { name: 'get_weather', response: { sky: 'rain', celsius: 14 } } },
      ],
    },
  ]);
});

test('a full tool round trip, streamed: whole calls with running indexes, then the answer and the usage chunk', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue(
    { kind: 'function_calls', calls: [{ name: 'get_weather', args: { city: 'Paris' } }, { name: 'get_weather', args: { city: 'Rome' } }] },
    { kind: 'text', text: 'Sunny in Paris, rain in Rome.', pieces: 3 },
  );
  const question = { role: 'user', content: 'Weather in Paris and Rome?' };
  const options = { stream: true, stream_options: { include_usage: true }, tools: [weatherTool] };
  const first = await drain(await provider.chatCompletions(chatCall({ ...options, messages: [question] }, 'gemini-3-pro-preview')));
  t.is(fake.calls[0]!.path, '/v1beta/models/gemini-3-pro-preview:streamGenerateContent');
  t.deepEqual(fake.calls[0]!.query, { alt: 'sse' });
  t.is(fake.calls[0]!.headers.accept, 'text/event-stream');

  t.deepEqual(first[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
  const deltas = first.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
  t.deepEqual(
    deltas.map((call) => [call.index, call.function.name, call.function.arguments]),
    [
      [0, 'get_weather', '{"city":"Paris"}'],
      [1, 'get_weather', '{"city":"Rome"}'],
    ],
  );
  // The fake signs the first call of a Gemini 3 turn, as the real API does; the id carries it.
  t.truthy(decodeToolCallId(deltas[0]!.id).thoughtSignature);
  const finish = first.find((chunk) => chunk.choices[0]?.finish_reason);
  t.is(finish!.choices[0]!.finish_reason, 'tool_calls');
  const usageChunk = first.at(-1)!;
  t.deepEqual(usageChunk.choices, []);
  t.true(usageChunk.usage!.total_tokens > 0);

  const toolCalls = deltas.map(({ index: _index, ...call }) => ({ ...call, type: 'function' }));
  const second = await drain(
    await provider.chatCompletions(
      chatCall(
        {
          ...options,
          messages: [
            question,
            { role: 'assistant', content: null, tool_calls: toolCalls },
            { role: 'tool', tool_call_id: toolCalls[0]!.id, content: 'sunny' },
            { role: 'tool', tool_call_id: toolCalls[1]!.id, content: 'rain' },
          ],
        },
        'gemini-3-pro-preview',
      ),
    ),
  );
  const text = second.map((chunk) => (chunk.choices[0]?.delta.content as string | undefined) ?? '').join('');
  t.is(text, 'Sunny in Paris, rain in Rome.');
  t.is(second.find((chunk) => chunk.choices[0]?.finish_reason)!.choices[0]!.finish_reason, 'stop');
  const replayed = fake.calls[1]!.body!.contents as { role: string; parts: Record<string, unknown>[] }[];
  t.is(replayed[1]!.parts[0]!.thoughtSignature, decodeToolCallId(toolCalls[0]!.id).thoughtSignature);
  t.deepEqual(replayed[2], {
    role: 'user',
    parts: [
      { functionResponse: { name: 'get_weather', response: { output: 'sunny' } } },
      { functionResponse: { name: 'get_weather', response: { output: 'rain' } } },
    ],
  });
});

test('losing the signature on Gemini 3 is rescued by the sentinel instead of a 400', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({ kind: 'text', text: 'Done.' });
  const result = json(
    await provider.chatCompletions(
      chatCall(
        {
          messages: [
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: null, tool_calls: [{ id: 'call_from_elsewhere', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
            { role: 'tool', tool_call_id: 'call_from_elsewhere', content: 'snow' },
          ],
          tools: [weatherTool],
        },
        'gemini-3-pro-preview',
      ),
    ),
  );
  t.is(result.choices[0]!.message.content, 'Done.');
  const parts = (fake.last.body!.contents as { parts: Record<string, unknown>[] }[])[1]!.parts;
  t.is(parts[0]!.thoughtSignature, 'skip_thought_signature_validator');
});

test('thinking: reasoning_effort becomes a budget on 2.5, thoughts come back as reasoning_content, streamed and not', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({ kind: 'text', text: 'Three.', thought: 'Count the r letters.' }, { kind: 'text', text: 'Three.', thought: 'Count the r letters.' });
  const body = { messages: [{ role: 'user', content: 'How many r in strawberry?' }], reasoning_effort: 'low' };
  const completion = json(await provider.chatCompletions(chatCall(body, 'gemini-2.5-flash')));
  t.deepEqual(fake.calls[0]!.body!.generationConfig, { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
  t.is(completion.choices[0]!.message.reasoning_content, 'Count the r letters.');
  t.is(completion.choices[0]!.message.content, 'Three.');
  t.true(completion.usage.completion_tokens_details.reasoning_tokens > 0);

  const chunks = await drain(await provider.chatCompletions(chatCall({ ...body, stream: true }, 'gemini-2.5-flash')));
  const kinds = chunks.flatMap((chunk) => chunk.choices.map((choice) => Object.keys(choice.delta).join(',')));
  t.deepEqual(kinds, ['role,content', 'reasoning_content', 'content', '']);
});

test('thinking hidden and the -non-thinking variant: no thoughts asked for, budget 0, the real model name in the URL', async (t) => {
  const { fake, provider } = await setup(t, { showThinking: false });
  fake.enqueue({ kind: 'text', text: 'Three.', thought: 'hidden' });
  const completion = json(await provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Hi' }] }, 'gemini-2.5-flash-non-thinking')));
  t.is(fake.last.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  t.deepEqual(fake.last.body!.generationConfig, { thinkingConfig: { thinkingBudget: 0 } });
  t.false('reasoning_content' in completion.choices[0]!.message);
});

test('images: a data URL is sent inline; an http URL is fetched through the media fetcher and sent inline', async (t) => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
    res.end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cat.png`;

  const { fake, provider, options } = await setup(t);
  fake.enqueue({ kind: 'text', text: 'Two cats.' });
  await provider.chatCompletions(
    chatCall(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
              { type: 'image_url', image_url: { url: imageUrl } },
            ],
          },
        ],
      },
      'gemini-2.5-flash',
    ),
  );
  t.deepEqual((fake.last.body!.contents as { parts: unknown[] }[])[0]!.parts, [
    { text: 'What is this?' },
    { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
    { inlineData: { mimeType: 'image/png', data: png.toString('base64') } },
  ]);

  // With the production fetcher a loopback URL is refused as the client's mistake, and Gemini is never called.
  const strict = new GeminiProvider({ ...options, fetchMedia: createMediaFetcher() });
  const calls = fake.calls.length;
  const error = await failure(
    strict.chatCompletions(chatCall({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: imageUrl } }] }] }, 'gemini-2.5-flash')),
  );
  t.true(error instanceof GatewayError);
  t.is((error as GatewayError).status, 400);
  t.regex(error.message, /non-public address/);
  t.is(fake.calls.length, calls);
});

test('a JSON schema response format asks Gemini for JSON with the schema, and the JSON comes back as content', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({ kind: 'text', text: '{"city":"Paris","celsius":24}' });
  const schema = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false };
  const completion = json(
    await provider.chatCompletions(
      chatCall(
        { messages: [{ role: 'user', content: 'Weather as JSON' }], response_format: { type: 'json_schema', json_schema: { name: 'w', strict: true, schema } } },
        'gemini-2.5-flash',
      ),
    ),
  );
  t.deepEqual(fake.last.body!.generationConfig, {
    responseMimeType: 'application/json',
    responseJsonSchema: schema,
    thinkingConfig: { includeThoughts: true },
  });
  t.deepEqual(JSON.parse(completion.choices[0]!.message.content!), { city: 'Paris', celsius: 24 });
});

test('search models get Google Search; sources come back as links and url_citation annotations', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({
    kind: 'response',
    body: {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Spain won.' }] },
          finishReason: 'STOP',
          index: 0,
          groundingMetadata: { groundingChunks: [{ web: { uri: 'https://example.com/a', title: 'example.com' } }] },
        },
      ],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, totalTokenCount: 8 },
    },
  });
  const completion = json(await provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Who won Euro 2024?' }] }, 'gemini-2.5-flash-search')));
  t.is(fake.last.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  t.deepEqual(fake.last.body!.tools, [{ googleSearch: {} }]);
  const message = completion.choices[0]!.message;
  t.true(message.content!.startsWith('Spain won.\n\n**Sources:**\n1. [example.com](https://example.com/a)'));
  t.is(message.annotations[0]!.url_citation.url, 'https://example.com/a');
});

test('embeddings: float and base64, batches of at most 100, dimensions passed, usage estimated', async (t) => {
  const { fake, provider } = await setup(t);
  const call = (body: Record<string, unknown>, model = 'gemini-embedding-001') => ({
    request: embeddingsRequestSchema.parse({ model: `gemini/${model}`, ...body }),
    rawBody: undefined,
    upstreamModel: model,
    apiKey: KEY,
    cancellation: new CancellationSource(),
  });
  const float = JSON.parse((await provider.embeddings(call({ input: ['alpha', 'beta'], dimensions: 8 }))).body) as {
    data: { index: number; embedding: number[] }[];
    model: string;
    usage: { prompt_tokens: number; total_tokens: number };
  };
  t.is(fake.last.path, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
  t.deepEqual(fake.last.body, {
    requests: [
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'alpha' }] }, outputDimensionality: 8 },
      { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'beta' }] }, outputDimensionality: 8 },
    ],
  });
  t.deepEqual(float.data[1]!.embedding, fakeGeminiEmbedding('beta', 8));
  t.is(float.model, 'gemini/gemini-embedding-001');
  // 'alpha' is 5 bytes (2 tokens), 'beta' 4 bytes (1 token).
  t.deepEqual(float.usage, { prompt_tokens: 3, total_tokens: 3 });

  const inputs = Array.from({ length: 150 }, (_, index) => `input number ${index}`);
  const before = fake.calls.length;
  const base64 = JSON.parse((await provider.embeddings(call({ input: inputs, encoding_format: 'base64' }, 'models/text-embedding-004'))).body) as {
    data: { index: number; embedding: string }[];
  };
  const batches = fake.calls.slice(before);
  t.deepEqual(
    batches.map((request) => [request.path, (request.body!.requests as unknown[]).length]),
    [
      ['/v1beta/models/text-embedding-004:batchEmbedContents', 100],
      ['/v1beta/models/text-embedding-004:batchEmbedContents', 50],
    ],
  );
  t.is(base64.data.length, 150);
  t.is(base64.data[149]!.index, 149);
  t.deepEqual(decodeEmbeddingBase64(base64.data[149]!.embedding), fakeGeminiEmbedding('input number 149', 768));

  const error = await failure(provider.embeddings(call({ input: [1, 2, 3] })));
  t.is((error as GatewayError).status, 400);
  t.is(fake.calls.length, before + 2);
});

test('model listing follows nextPageToken and adds the derived variants', async (t) => {
  const { fake, provider } = await setup(t);
  fake.maxPageSize = 5;
  const models = await provider.listModels({ apiKey: KEY, cancellation: new CancellationSource() });
  const listings = fake.requests.filter((request) => request.action === 'listModels');
  t.is(listings.length, 3);
  t.is(listings[0]!.query.pageToken, undefined);
  t.truthy(listings[1]!.query.pageToken);
  t.is(listings[0]!.headers['x-goog-api-key'], KEY);
  const ids = models.map((model) => model.id);
  t.true(ids.includes('gemini-2.5-flash-search'));
  t.true(ids.includes('gemini-3-pro-preview-non-thinking'));
  t.true(ids.includes('gemini-embedding-001'));
  t.false(ids.some((id) => id.startsWith('models/')));
  t.true(ids.includes('imagen-4.0-generate-001'), 'Imagen is listed: it serves /v1/images/generations');
});

test('errors: a bad key, a rate limit and an unknown model keep Google’s meaning', async (t) => {
  const { fake, provider } = await setup(t);
  const badKey = await failure(provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Hi' }] }, 'gemini-2.5-flash', 'AIzaSyWRONGwrongWRONGwrongWRONGwrong00')));
  t.true(badKey instanceof UpstreamError);
  t.is((badKey as UpstreamError).keyProblem, 'invalid');
  t.is((badKey as UpstreamError).status, 401);
  t.notRegex(badKey.message, /AIza/);

  fake.enqueue({ kind: 'error', status: 429, body: rateLimitError({ retryDelay: '12.5s' }) });
  const limited = (await failure(provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Hi' }], stream: true }, 'gemini-2.5-flash')))) as UpstreamError;
  t.is(limited.status, 429);
  t.is(limited.retryAfterMs, 12_500);
  t.is(limited.headers['Retry-After'], '13');

  const unknown = (await failure(provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Hi' }] }, 'gemini-9-ultra')))) as UpstreamError;
  t.is(unknown.status, 404);
  t.is(unknown.code, 'model_not_found');
  // The key was only ever sent in the header.
  t.true(fake.requests.every((request) => request.keySource === 'header' && request.query.key === undefined));
});

test('a stream that breaks, reports an error or just stops early throws instead of ending normally', async (t) => {
  const { fake, provider } = await setup(t);
  const body = { messages: [{ role: 'user', content: 'Tell me a story' }], stream: true };
  const story = { kind: 'text' as const, text: 'Once upon a time there was a gateway that never lied about endings.', pieces: 4 };

  fake.enqueue({ ...story, failAfterChunks: 2 });
  const broken = await provider.chatCompletions(chatCall(body, 'gemini-2.5-flash'));
  const received: StreamChunk[] = [];
  const brokenError = await failure(
    (async () => {
      for await (const batch of (broken as StreamResult).events) for (const payload of batch) received.push(JSON.parse(payload) as StreamChunk);
    })(),
  );
  t.true(brokenError instanceof UpstreamError);
  t.is((brokenError as UpstreamError).status, 502);
  t.true(received.length >= 2);
  t.false(received.some((chunk) => chunk.choices[0]?.finish_reason));

  fake.enqueue({ ...story, errorAfterChunks: 1 });
  const inBand = (await failure(drain(await provider.chatCompletions(chatCall(body, 'gemini-2.5-flash'))))) as UpstreamError;
  t.is(inBand.status, 500);
  t.regex(inBand.message, /internal error/);

  fake.enqueue({ ...story, endAfterChunks: 2 });
  const truncated = (await failure(drain(await provider.chatCompletions(chatCall(body, 'gemini-2.5-flash'))))) as UpstreamError;
  t.is(truncated.status, 502);
  t.is(truncated.code, 'upstream_stream_truncated');
});

test('a complete stream keeps its usage readable on the result even without include_usage', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({ kind: 'fixture', name: 'google/google-text' });
  const result = (await provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Count' }], stream: true }, 'gemini-3-pro-preview'))) as StreamResult;
  const chunks = await drain(result);
  t.false(chunks.some((chunk) => 'usage' in chunk));
  t.like(result.report.usage, { prompt: 9, completion: 208, total: 217, reasoning: 185 });
});

test('a blocked prompt: a content_filter choice, streamed and not', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({ kind: 'blocked', blockReason: 'SAFETY' }, { kind: 'blocked', blockReason: 'SAFETY' });
  const body = { messages: [{ role: 'user', content: 'something awful' }] };
  const completion = json(await provider.chatCompletions(chatCall(body, 'gemini-2.5-flash')));
  t.is(completion.choices[0]!.finish_reason, 'content_filter');
  t.regex(completion.choices[0]!.message.refusal!, /SAFETY/);
  const chunks = await drain(await provider.chatCompletions(chatCall({ ...body, stream: true }, 'gemini-2.5-flash')));
  t.is(chunks.at(-1)!.choices[0]!.finish_reason, 'content_filter');
});

test('the client going away mid-stream tears down the upstream request', async (t) => {
  const { fake, provider } = await setup(t);
  fake.enqueue({ kind: 'text', text: 'one two three four five six', pieces: 6, hangAfterChunks: 2 });
  const cancellation = new CancellationSource();
  const result = await provider.chatCompletions(chatCall({ messages: [{ role: 'user', content: 'Go' }], stream: true }, 'gemini-2.5-flash', KEY, cancellation));
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const iterator = result.events[Symbol.asyncIterator]();
  await iterator.next();
  const pending = iterator.next();
  cancellation.cancel();
  const error = await failure(pending);
  t.true(error instanceof RequestAbortedError);
  await fake.waitForAbort();
  t.is(fake.aborted.length, 1);
});
