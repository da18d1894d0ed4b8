import { createServer } from 'node:net';
import anyTest, { type TestFn } from 'ava';
import { CancellationSource } from '../../../src/core/cancellation.js';
import { decodeEmbeddingBase64 } from '../../../src/core/embedding-encoding.js';
import { GatewayError, UpstreamError, RequestAbortedError } from '../../../src/core/errors.js';
import { chatCompletionRequestSchema, embeddingsRequestSchema } from '../../../src/core/openai-schemas.js';
import { estimateTokens } from '../../../src/core/token-estimate.js';
import { tokenUsage } from '../../../src/core/usage.js';
import { OllamaProvider } from '../../../src/providers/ollama/provider.js';
import type { ChatResult, JsonResult, StreamResult } from '../../../src/providers/types.js';
import { UpstreamHttp } from '../../../src/upstream/http-client.js';
import type { MediaFetcher } from '../../../src/upstream/media.js';
import { FakeOllamaUpstream, fakeEmbedding } from '../../fakes/ollama-upstream.js';

interface Context {
  fake: FakeOllamaUpstream;
  http: UpstreamHttp;
  fetched: string[];
  provider: OllamaProvider;
}

const test = anyTest as TestFn<Context>;

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const JPEG_BASE64 = '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAACf/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AKp//2Q==';

test.beforeEach(async (t) => {
  const fake = await new FakeOllamaUpstream().start();
  const http = new UpstreamHttp(5000);
  const fetched: string[] = [];
  const fetchMedia: MediaFetcher = async (url) => {
    fetched.push(url);
    return { mimeType: 'image/jpeg', data: JPEG_BASE64 };
  };
  t.context = { fake, http, fetched, provider: new OllamaProvider({ baseUrl: fake.url, http, fetchMedia }) };
});

test.afterEach.always(async (t) => {
  t.context.http.close();
  await t.context.fake.stop();
});

const chatCall = (fields: Record<string, unknown>, upstreamModel = 'llama3.1:8b', apiKey?: string, cancellation = new CancellationSource()) => ({
  request: chatCompletionRequestSchema.parse({ model: `ollama/${upstreamModel}`, messages: [{ role: 'user', content: 'Hello there' }], ...fields }),
  rawBody: undefined,
  upstreamModel,
  apiKey,
  cancellation,
});

const embeddingsCall = (fields: Record<string, unknown>, upstreamModel = 'nomic-embed-text:latest') => ({
  request: embeddingsRequestSchema.parse({ model: `ollama/${upstreamModel}`, ...fields }),
  rawBody: undefined,
  upstreamModel,
  apiKey: undefined,
  cancellation: new CancellationSource(),
});

function asJson(result: ChatResult | JsonResult): Record<string, unknown> {
  if (result.kind !== 'json') throw new Error('expected a JSON result');
  return JSON.parse(result.body) as Record<string, unknown>;
}

interface StreamedChunk {
  id: string;
  model: string;
  choices: { delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: unknown;
}

async function collectStream(result: ChatResult): Promise<StreamedChunk[]> {
  if (result.kind !== 'stream') throw new Error('expected a stream');
  const chunks: StreamedChunk[] = [];
  for await (const batch of (result as StreamResult).events) for (const payload of batch) chunks.push(JSON.parse(payload) as StreamedChunk);
  return chunks;
}

const textOf = (chunks: StreamedChunk[], field: 'content' | 'reasoning_content') =>
  chunks.map((chunk) => chunk.choices[0]?.delta[field] ?? '').join('');

test('chat: the request Ollama receives, field by field, and the completion the client gets', async (t) => {
  const { fake, provider } = t.context;
  const result = await provider.chatCompletions(
    chatCall({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello there' },
      ],
      temperature: 0.2,
      top_p: 0.8,
      seed: 42,
      stop: 'END',
      max_tokens: 50,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      response_format: { type: 'json_object' },
      user: 'ignored',
    }),
  );
  const request = fake.last;
  t.is(request.method, 'POST');
  t.is(request.path, '/api/chat');
  t.is(request.headers['content-type'], 'application/json');
  t.is(request.headers.authorization, undefined);
  t.deepEqual(request.body, {
    model: 'llama3.1:8b',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello there' },
    ],
    stream: false,
    format: 'json',
    options: { temperature: 0.2, top_p: 0.8, seed: 42, stop: ['END'], num_predict: 50, presence_penalty: 0.1, frequency_penalty: 0.3 },
  });

  const completion = asJson(result) as {
    id: string;
    object: string;
    created: number;
    model: string;
    choices: { index: number; message: Record<string, unknown>; finish_reason: string; logprobs: unknown }[];
    usage: Record<string, number>;
  };
  t.regex(completion.id, /^chatcmpl-[0-9a-f]{24}$/);
  t.is(completion.object, 'chat.completion');
  t.true(Math.abs(completion.created - Date.now() / 1000) < 60);
  t.is(completion.model, 'llama3.1:8b');
  t.deepEqual(completion.choices, [
    { index: 0, message: { role: 'assistant', content: 'You said: Hello there', refusal: null }, logprobs: null, finish_reason: 'stop' },
  ]);
  t.deepEqual(completion.usage, { prompt_tokens: 26, completion_tokens: 4, total_tokens: 30 });
});

test('streamed chat: NDJSON in, OpenAI chunks out, with the usage chunk when asked for', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'Grüß dich, 世界! 👋', promptEvalCount: 9 });
  const chunks = await collectStream(await provider.chatCompletions(chatCall({ stream: true, stream_options: { include_usage: true } })));
  t.is(fake.last.body?.stream, true);
  t.is(fake.last.headers.accept, 'application/x-ndjson');
  t.deepEqual(chunks[0]?.choices[0]?.delta, { role: 'assistant', content: '' });
  t.is(textOf(chunks, 'content'), 'Grüß dich, 世界! 👋');
  t.is(chunks.at(-2)?.choices[0]?.finish_reason, 'stop');
  t.deepEqual(chunks.at(-1)?.choices, []);
  t.deepEqual(chunks.at(-1)?.usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
  t.is(new Set(chunks.map((chunk) => chunk.id)).size, 1);
  t.true(chunks.every((chunk) => chunk.model === 'llama3.1:8b'));
});

test('streamed chat without include_usage has no usage chunk', async (t) => {
  const chunks = await collectStream(await t.context.provider.chatCompletions(chatCall({ stream: true })));
  t.is(chunks.at(-1)?.choices[0]?.finish_reason, 'stop');
  t.true(chunks.every((chunk) => !('usage' in chunk)));
});

test('a stream reports its usage, estimate and excerpt, with or without include_usage', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'Grüß dich, 世界! 👋', promptEvalCount: 9 });
  const call = { ...chatCall({ stream: true }), excerptChars: 8 };
  const result = (await provider.chatCompletions(call)) as StreamResult;
  const chunks = await collectStream(result);
  t.true(chunks.every((chunk) => !('usage' in chunk)));
  t.deepEqual(result.report.usage, tokenUsage({ prompt: 9, completion: 4 }));
  t.is(result.report.excerpt, 'Grüß dic');
  // Estimated piece by piece, as the text streams.
  const pieces = chunks.map((chunk) => chunk.choices[0]?.delta.content).filter((content): content is string => typeof content === 'string');
  t.is(pieces.join(''), 'Grüß dich, 世界! 👋');
  t.is(result.report.estimatedCompletionTokens, pieces.reduce((sum, piece) => sum + estimateTokens(piece), 0));
  t.true(result.report.estimatedCompletionTokens >= estimateTokens('Grüß dich, 世界! 👋'));

  const unasked = (await provider.chatCompletions(chatCall({ stream: true }))) as StreamResult;
  await collectStream(unasked);
  t.is(unasked.report.excerpt, '');
});

test('a stream split into 3-byte writes over TCP converts the same', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'Ünïcödé ✓ 日本語 🎉 done', thinking: 'Dénkén…', splitLinesEvery: 3 });
  const chunks = await collectStream(await provider.chatCompletions(chatCall({ stream: true }, 'qwen3:8b')));
  t.is(textOf(chunks, 'content'), 'Ünïcödé ✓ 日本語 🎉 done');
  t.is(textOf(chunks, 'reasoning_content'), 'Dénkén…');
});

test('a tool call: tools and history go to Ollama in its shape; the answer comes back as OpenAI tool_calls', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'tool_calls', calls: [{ name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' }, id: 'call_w3ath3r0' }] });
  const tools = [
    {
      type: 'function',
      function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    },
  ];
  const completion = asJson(
    await provider.chatCompletions(
      chatCall({
        messages: [
          { role: 'user', content: 'Weather in Lyon, then Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_prev', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }] },
          { role: 'tool', tool_call_id: 'call_prev', content: '{"temp":21}' },
        ],
        tools,
        tool_choice: 'auto',
      }),
    ),
  ) as { choices: { message: Record<string, unknown>; finish_reason: string }[] };
  t.deepEqual(fake.last.body?.tools, tools);
  t.deepEqual(fake.last.body?.messages, [
    { role: 'user', content: 'Weather in Lyon, then Paris?' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'call_prev', function: { name: 'get_weather', arguments: { city: 'Lyon' } } }] },
    { role: 'tool', content: '{"temp":21}', tool_name: 'get_weather', tool_call_id: 'call_prev' },
  ]);
  t.is(completion.choices[0]?.finish_reason, 'tool_calls');
  t.deepEqual(completion.choices[0]?.message, {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_w3ath3r0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }],
    refusal: null,
  });
});

test('streamed tool calls from an Ollama without ids: numbered, with minted ids, finish reason tool_calls', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({
    kind: 'tool_calls',
    thinking: 'Two lookups.',
    calls: [
      { name: 'lookup', arguments: { q: 'a' }, id: null },
      { name: 'lookup', arguments: { q: 'b' }, id: null },
    ],
  });
  const chunks = await collectStream(
    await provider.chatCompletions(chatCall({ stream: true, tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] }, 'qwen3:8b')),
  );
  const calls = chunks.flatMap((chunk) => (chunk.choices[0]?.delta.tool_calls as { index: number; id: string; function: { arguments: string } }[] | undefined) ?? []);
  t.deepEqual(
    calls.map((call) => [call.index, call.function.arguments]),
    [
      [0, '{"q":"a"}'],
      [1, '{"q":"b"}'],
    ],
  );
  const completionSuffix = chunks[0]!.id.replace('chatcmpl-', '');
  t.deepEqual(
    calls.map((call) => call.id),
    [`call_${completionSuffix}_0`, `call_${completionSuffix}_1`],
  );
  t.is(textOf(chunks, 'reasoning_content'), 'Two lookups.');
  t.is(chunks.at(-1)?.choices[0]?.finish_reason, 'tool_calls');
});

test('an image: a data URL and a fetched http URL both reach Ollama as base64 in images', async (t) => {
  const { fake, provider, fetched } = t.context;
  const result = await provider.chatCompletions(
    chatCall(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in these pictures?' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
              { type: 'image_url', image_url: { url: 'https://images.example.com/cat.jpg' } },
            ],
          },
        ],
      },
      'llava:7b',
    ),
  );
  t.deepEqual(fetched, ['https://images.example.com/cat.jpg']);
  t.deepEqual(fake.last.body?.messages, [{ role: 'user', content: 'What is in these pictures?', images: [PNG_BASE64, JPEG_BASE64] }]);
  t.is(asJson(result).object, 'chat.completion');
});

test('thinking: reasoning_effort none turns it off; a thinking answer comes back as reasoning_content', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: '2', thinking: '1 + 1 is 2.' });
  const completion = asJson(await provider.chatCompletions(chatCall({ reasoning_effort: 'none' }, 'qwen3:8b'))) as {
    choices: { message: Record<string, unknown> }[];
  };
  t.is(fake.last.body?.think, false);
  t.deepEqual(completion.choices[0]?.message, { role: 'assistant', content: '2', reasoning_content: '1 + 1 is 2.', refusal: null });
  await provider.chatCompletions(chatCall({ reasoning_effort: 'high' }, 'gpt-oss:20b'));
  t.is(fake.last.body?.think, 'high');
});

test('Ollama’s refusals pass through with their status: a level for a model without levels is a 400', async (t) => {
  const error = await t.throwsAsync(t.context.provider.chatCompletions(chatCall({ reasoning_effort: 'low' }, 'qwen3:8b')));
  t.true(error instanceof UpstreamError);
  t.is((error as UpstreamError).status, 400);
  t.is(error?.message, 'think value "low" is not supported for this model');
});

test('log probabilities: asked for and returned', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'Hi there' });
  const completion = asJson(await provider.chatCompletions(chatCall({ logprobs: true, top_logprobs: 2 }))) as {
    choices: { logprobs: { content: { token: string; top_logprobs: unknown[] }[] } }[];
  };
  t.is(fake.last.body?.logprobs, true);
  t.is(fake.last.body?.top_logprobs, 2);
  t.deepEqual(
    completion.choices[0]?.logprobs.content.map((entry) => [entry.token, entry.top_logprobs.length]),
    [
      ['Hi ', 2],
      ['there', 2],
    ],
  );
});

test('an unknown model: Ollama’s 404 reaches the client as 404 model_not_found, streamed or not', async (t) => {
  const { provider } = t.context;
  for (const stream of [false, true]) {
    const error = await t.throwsAsync(provider.chatCompletions(chatCall({ stream }, 'llama9:70b')));
    t.true(error instanceof UpstreamError);
    const failure = error as UpstreamError;
    t.is(failure.status, 404);
    t.is(failure.code, 'model_not_found');
    t.is(failure.message, "model 'llama9:70b' not found");
    t.deepEqual(failure.toBody(), { error: { message: "model 'llama9:70b' not found", type: 'invalid_request_error', param: 'model', code: 'model_not_found' } });
  }
  const embedError = await t.throwsAsync(provider.embeddings(embeddingsCall({ input: 'x' }, 'missing-embedder')));
  t.is((embedError as UpstreamError).status, 404);
  t.is((embedError as UpstreamError).code, 'model_not_found');
});

test('a key, when configured, goes as Authorization: Bearer; a rejected key keeps Ollama’s 401', async (t) => {
  const { fake, provider } = t.context;
  fake.acceptedKeys = new Set(['good-ollama-key-123']);
  await provider.chatCompletions(chatCall({}, 'llama3.1:8b', 'good-ollama-key-123'));
  t.is(fake.last.headers.authorization, 'Bearer good-ollama-key-123');
  const error = await t.throwsAsync(provider.listModels({ apiKey: 'wrong-ollama-key-456', cancellation: new CancellationSource() }));
  t.is((error as UpstreamError).status, 401);
  t.is(error?.message, 'unauthorized');
});

test('a mid-stream error line ends the stream with an UpstreamError after the chunks before it', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'one two three four', errorAfterLines: 2 });
  const result = await provider.chatCompletions(chatCall({ stream: true }));
  const seen: StreamedChunk[] = [];
  const error = await t.throwsAsync(async () => {
    for await (const batch of (result as StreamResult).events) for (const payload of batch) seen.push(JSON.parse(payload) as StreamedChunk);
  });
  t.true(error instanceof UpstreamError);
  t.regex(error?.message ?? '', /error was encountered while running the model/);
  t.is(textOf(seen, 'content'), 'one two ');
  t.false(seen.some((chunk) => chunk.choices[0]?.finish_reason));
});

test('a stream that ends without the final line, or whose connection breaks, is an error, never a complete answer', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'cut short here', endBeforeDone: true });
  const truncated = await t.throwsAsync(collectStream(await provider.chatCompletions(chatCall({ stream: true }))));
  t.is((truncated as UpstreamError).code, 'upstream_stream_truncated');
  fake.script = () => ({ kind: 'reply', text: 'cut short here', failAfterLines: 2 });
  const broken = await t.throwsAsync(collectStream(await provider.chatCompletions(chatCall({ stream: true }))));
  t.true(broken instanceof UpstreamError);
  t.is((broken as UpstreamError).status, 502);
});

test('a client that goes away mid-stream tears the Ollama request down', async (t) => {
  const { fake, provider } = t.context;
  fake.script = () => ({ kind: 'reply', text: 'a b c d e f', hangAfterLines: 2 });
  const cancellation = new CancellationSource();
  const result = await provider.chatCompletions(chatCall({ stream: true }, 'llama3.1:8b', undefined, cancellation));
  const iterator = (result as StreamResult).events[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.false(first.done);
  cancellation.cancel();
  await fake.waitForAbort();
  t.is(fake.aborted.length, 1);
  const next = await iterator.next().then(
    () => undefined,
    (error: unknown) => error,
  );
  t.true(next instanceof RequestAbortedError);
});

test('after a complete stream the connection is kept and serves the next call', async (t) => {
  const { fake, provider } = t.context;
  await collectStream(await provider.chatCompletions(chatCall({ stream: true })));
  // Let the end of the first response reach the client so the connection is back in the pool.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const completion = asJson(await provider.chatCompletions(chatCall({})));
  t.is(completion.object, 'chat.completion');
  t.is(fake.requests.length, 2);
  t.is(fake.requests[1]?.connection, fake.requests[0]?.connection);
});

test('embeddings as floats: the request Ollama receives and the float32 vectors it sent', async (t) => {
  const { fake, provider } = t.context;
  const embeddings = asJson(await provider.embeddings(embeddingsCall({ input: ['first text', 'second'], dimensions: 4, encoding_format: 'float' }))) as {
    data: { object: string; index: number; embedding: number[] }[];
    model: string;
    usage: Record<string, number>;
  };
  t.is(fake.last.path, '/api/embed');
  t.deepEqual(fake.last.body, { model: 'nomic-embed-text:latest', input: ['first text', 'second'], dimensions: 4 });
  t.deepEqual(
    embeddings.data.map((item) => [item.object, item.index]),
    [
      ['embedding', 0],
      ['embedding', 1],
    ],
  );
  t.deepEqual(embeddings.data[0]?.embedding.map(Math.fround), fakeEmbedding('first text', 4));
  t.deepEqual(embeddings.data[1]?.embedding.map(Math.fround), fakeEmbedding('second', 4));
  t.is(embeddings.model, 'nomic-embed-text:latest');
  t.deepEqual(embeddings.usage, { prompt_tokens: 3, total_tokens: 3 });
});

test('embeddings as base64: float32 little-endian of the same vectors', async (t) => {
  const embeddings = asJson(await t.context.provider.embeddings(embeddingsCall({ input: 'one text', encoding_format: 'base64' }))) as {
    data: { embedding: string }[];
  };
  t.is(typeof embeddings.data[0]?.embedding, 'string');
  t.deepEqual(decodeEmbeddingBase64(embeddings.data[0]!.embedding), fakeEmbedding('one text', 12));
});

test('embeddings with token arrays are refused before any call', async (t) => {
  const error = await t.throwsAsync(t.context.provider.embeddings(embeddingsCall({ input: [1, 2, 3] })));
  t.true(error instanceof GatewayError);
  t.is((error as GatewayError).status, 400);
  t.is(t.context.fake.requests.length, 0);
});

test('the model list comes from /api/tags', async (t) => {
  const { fake, provider } = t.context;
  const models = await provider.listModels({ apiKey: undefined, cancellation: new CancellationSource() });
  t.is(fake.last.method, 'GET');
  t.is(fake.last.path, '/api/tags');
  t.deepEqual(
    models.map((model) => model.id),
    fake.models.map((model) => model.name),
  );
  t.true(models.every((model) => typeof model.created === 'number' && model.created > 1_700_000_000));
});

test('a base URL given with /api or /v1 reaches the same endpoints', async (t) => {
  const { fake, http } = t.context;
  for (const suffix of ['/api', '/v1/', '/']) {
    const provider = new OllamaProvider({ baseUrl: `${fake.url}${suffix}`, http, fetchMedia: async () => ({ mimeType: 'image/png', data: PNG_BASE64 }) });
    await provider.listModels({ apiKey: undefined, cancellation: new CancellationSource() });
    t.is(fake.last.path, '/api/tags', suffix);
  }
});

test('a wrong base path answers 404 without pretending the model is missing', async (t) => {
  const { fake, http } = t.context;
  const provider = new OllamaProvider({ baseUrl: `${fake.url}/nested`, http, fetchMedia: async () => ({ mimeType: 'image/png', data: PNG_BASE64 }) });
  const error = await t.throwsAsync(provider.chatCompletions(chatCall({})));
  t.is((error as UpstreamError).status, 404);
  t.is((error as UpstreamError).code, null);
});

test('an unreachable Ollama is a 502 from the shared HTTP client', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
  const provider = new OllamaProvider({ baseUrl: `http://127.0.0.1:${port}`, http: t.context.http, fetchMedia: async () => ({ mimeType: 'image/png', data: '' }) });
  const error = await t.throwsAsync(provider.chatCompletions(chatCall({ stream: true })));
  t.true(error instanceof UpstreamError);
  t.is((error as UpstreamError).status, 502);
  t.is((error as UpstreamError).kind, 'connection');
});

test('the provider is named ollama unless configured otherwise, and defaults to localhost:11434', (t) => {
  const provider = new OllamaProvider({ http: t.context.http, fetchMedia: async () => ({ mimeType: 'image/png', data: '' }) });
  t.is(provider.id, 'ollama');
  t.is(provider.baseUrl, 'http://localhost:11434');
  t.is(new OllamaProvider({ id: 'gpu-box', baseUrl: 'http://gpu:11434/api', http: t.context.http, fetchMedia: async () => ({ mimeType: '', data: '' }) }).id, 'gpu-box');
});
