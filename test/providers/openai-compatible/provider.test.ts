import test, { type ExecutionContext } from 'ava';
import { CancellationSource } from '../../../src/core/cancellation.js';
import { decodeEmbeddingBase64 } from '../../../src/core/embedding-encoding.js';
import { UpstreamError } from '../../../src/core/errors.js';
import { chatCompletionRequestSchema, embeddingsRequestSchema } from '../../../src/core/openai-schemas.js';
import { estimateTokens } from '../../../src/core/token-estimate.js';
import { tokenUsage } from '../../../src/core/usage.js';
import { type OpenAICompatibleOptions, OpenAICompatibleProvider } from '../../../src/providers/openai-compatible/provider.js';
import { readOpenAIUsage } from '../../../src/providers/openai-compatible/usage.js';
import { sparkEmbeddedError } from '../../../src/providers/spark/definition.js';
import type { ChatResult, StreamResult } from '../../../src/providers/types.js';
import { UpstreamHttp } from '../../../src/upstream/http-client.js';
import { FakeOpenAIUpstream, type FakeBehaviour, type StreamControl } from '../../fakes/openai-upstream.js';
import { readChunkLines, readFixture, readJsonFixture } from '../../helpers/fixtures.js';

const KEY = 'sk-test-compatible-0000000000000000';

async function setup(t: ExecutionContext, options: Partial<OpenAICompatibleOptions> = {}) {
  const fake = await new FakeOpenAIUpstream().start();
  const http = new UpstreamHttp(10_000);
  t.teardown(async () => {
    http.close();
    await fake.stop();
  });
  const provider = new OpenAICompatibleProvider({ id: 'compat', baseUrl: fake.url, http, ...options });
  return { fake, provider };
}

/** The fake answers every request this way. */
const always = (fake: FakeOpenAIUpstream, behaviour: FakeBehaviour & StreamControl) => {
  fake.script = () => behaviour;
};

const sse = (payloads: string[], done = true) => ({
  kind: 'raw' as const,
  status: 200,
  contentType: 'text/event-stream',
  body: `${payloads.map((payload) => `data: ${payload}\n\n`).join('')}${done ? 'data: [DONE]\n\n' : ''}`,
});

const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] });

function chatCall(body: Record<string, unknown>, options: { raw?: boolean; excerptChars?: number } = {}) {
  const client = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], ...body };
  const rawBody = options.raw ? JSON.stringify(client) : undefined;
  return {
    request: chatCompletionRequestSchema.parse(client),
    rawBody,
    upstreamModel: 'gpt-4o',
    apiKey: KEY,
    cancellation: new CancellationSource(),
    ...(options.excerptChars === undefined ? {} : { excerptChars: options.excerptChars }),
  };
}

function asStream(result: ChatResult): StreamResult {
  if (result.kind !== 'stream') throw new Error('expected a stream');
  return result;
}

async function drain(result: ChatResult): Promise<string[]> {
  const payloads: string[] = [];
  for await (const batch of asStream(result).events) payloads.push(...batch);
  return payloads;
}

/** What the stream delivered before it failed, and the failure. */
async function drainFailing(result: ChatResult): Promise<{ payloads: string[]; error: unknown }> {
  const payloads: string[] = [];
  try {
    for await (const batch of asStream(result).events) payloads.push(...batch);
  } catch (error) {
    return { payloads, error };
  }
  return { payloads, error: undefined };
}

test('a request that needs no change goes up as the client sent it, byte for byte', async (t) => {
  const { fake, provider } = await setup(t);
  const call = chatCall({ temperature: 0.5 }, { raw: true });
  const rawBody = `  ${call.rawBody!}\n`;
  await provider.chatCompletions({ ...call, rawBody });
  t.is(fake.requests[0]!.rawBody, rawBody);

  const streamed = chatCall({ stream: true, stream_options: { include_usage: true } }, { raw: true });
  await drain(await provider.chatCompletions(streamed));
  t.is(fake.requests[1]!.rawBody, streamed.rawBody!);
});

test('a stream the client did not ask usage for is rewritten to ask for it, keeping the client\'s other stream options', async (t) => {
  const { fake, provider } = await setup(t);
  const call = chatCall({ stream: true, stream_options: { include_obfuscation: false } }, { raw: true });
  await drain(await provider.chatCompletions(call));
  t.not(fake.requests[0]!.rawBody, call.rawBody);
  t.deepEqual(fake.requests[0]!.body!.stream_options, { include_obfuscation: false, include_usage: true });
  t.is(fake.requests[0]!.body!.model, 'gpt-4o');
});

test('a stream without stream_options is asked for usage by adding them to the body as the client wrote it', async (t) => {
  const { fake, provider } = await setup(t);
  const call = chatCall({ stream: true }, { raw: true });
  await drain(await provider.chatCompletions(call));
  t.is(fake.requests[0]!.rawBody, `${call.rawBody!.trimEnd().slice(0, -1)},"stream_options":{"include_usage":true}}`);
  t.deepEqual(fake.requests[0]!.body, { ...JSON.parse(call.rawBody!), stream_options: { include_usage: true } });
});

test('an upstream that does not accept stream_options is not asked for usage: the raw body passes', async (t) => {
  const { fake, provider } = await setup(t, { acceptsStreamOptions: false });
  const call = chatCall({ stream: true }, { raw: true });
  const result = await provider.chatCompletions(call);
  await drain(result);
  t.is(fake.requests[0]!.rawBody, call.rawBody!);
  t.is(asStream(result).report.usage, undefined);
  t.true(asStream(result).report.estimatedCompletionTokens > 0);
});

test('a recorded stream with usage the client asked for: every chunk reaches the client and the usage is reported', async (t) => {
  const { provider, fake } = await setup(t);
  always(fake, { kind: 'fixture', name: 'alibaba/alibaba-reasoning' });
  const payloads = readChunkLines('alibaba/alibaba-reasoning.chunks.txt');
  const last = JSON.parse(payloads.at(-1)!) as { usage: { total_tokens: number }; choices: unknown[] };
  t.deepEqual(last.choices, []);

  const shown = await provider.chatCompletions(chatCall({ stream: true, stream_options: { include_usage: true } }));
  t.deepEqual(await drain(shown), payloads);
  t.is(asStream(shown).report.usage!.total, last.usage.total_tokens);
});

test('usage only the gateway asked for: its chunk is dropped, the `"usage": null` of the others stays, the usage is reported', async (t) => {
  const { provider, fake } = await setup(t);
  always(fake, { kind: 'fixture', name: 'alibaba/alibaba-reasoning' });
  const payloads = readChunkLines('alibaba/alibaba-reasoning.chunks.txt');
  const last = JSON.parse(payloads.at(-1)!) as { usage: unknown };

  const hidden = await provider.chatCompletions(chatCall({ stream: true }));
  const forwarded = await drain(hidden);
  t.deepEqual(forwarded, payloads.slice(0, -1));
  t.true(forwarded.every((payload) => payload.includes('"usage":null')));
  t.deepEqual(asStream(hidden).report.usage, readOpenAIUsage(last.usage));
});

test('usage on the last choice chunk (not a chunk of its own) is reported and the chunk is kept', async (t) => {
  const { provider, fake } = await setup(t);
  const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
  const final = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage });
  always(fake, sse([chunk({ content: 'Hi' }), final]));
  const result = await provider.chatCompletions(chatCall({ stream: true }));
  t.deepEqual(await drain(result), [chunk({ content: 'Hi' }), final]);
  t.deepEqual(asStream(result).report.usage, tokenUsage({ prompt: 3, completion: 2 }));
});

test('without reported usage the text is estimated, and its start kept when asked', async (t) => {
  const { provider, fake } = await setup(t, { acceptsStreamOptions: false });
  const payloads = [
    chunk({ content: 'Hello there, ' }),
    chunk({ content: 'general \\"Kenobi\\"' }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] }),
    chunk({}, 'stop'),
  ];
  always(fake, sse(payloads));
  const result = await provider.chatCompletions(chatCall({ stream: true }, { excerptChars: 12 }));
  t.deepEqual(await drain(result), payloads);
  const { report } = asStream(result);
  t.is(report.usage, undefined);
  t.true(report.estimatedCompletionTokens >= 8);
  t.is(report.estimatedCompletionTokens, estimateTokens('Hello there, ') + estimateTokens('general \\\\\\"Kenobi\\\\\\"') + estimateTokens('{\\"city\\":\\"Paris\\"}'));
  t.is(report.excerpt, 'Hello there,');

  const unasked = await provider.chatCompletions(chatCall({ stream: true }));
  await drain(unasked);
  t.is(asStream(unasked).report.excerpt, '');
});

test('the excerpt is unescaped JSON text, reasoning first as it streamed', async (t) => {
  const { provider, fake } = await setup(t);
  always(fake, { kind: 'reply', reasoning: 'Think "hard".', text: 'Answer\nhere' });
  const result = await provider.chatCompletions(chatCall({ stream: true }, { excerptChars: 100 }));
  await drain(result);
  t.is(asStream(result).report.excerpt, 'Think "hard".Answer\nhere');
  t.deepEqual(asStream(result).report.usage, readOpenAIUsage(fake.usage));
});

test('an error inside a 200 answer is thrown as the upstream\'s error, with the key kept out of it', async (t) => {
  const { provider, fake } = await setup(t, { embeddedError: sparkEmbeddedError });
  always(fake, { kind: 'raw', status: 200, contentType: 'application/json', body: JSON.stringify({ code: 11200, message: `licence not valid for ${KEY}`, sid: 'x' }) });
  const error = await t.throwsAsync(provider.chatCompletions(chatCall({})), { instanceOf: UpstreamError });
  t.is(error.status, 403);
  t.false(error.message.includes(KEY));

  always(fake, { kind: 'raw', status: 200, contentType: 'application/json', body: JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }) });
  const plain = await t.throwsAsync(provider.chatCompletions(chatCall({})), { instanceOf: UpstreamError });
  t.true(plain.message.includes('overloaded'));
});

test('an error event inside a stream is thrown after the chunks before it', async (t) => {
  const { provider, fake } = await setup(t);
  always(fake, { kind: 'reply', text: 'one two three four', errorAfterChunks: 2 });
  const { payloads, error } = await drainFailing(await provider.chatCompletions(chatCall({ stream: true })));
  t.is(payloads.length, 2);
  t.true(error instanceof UpstreamError);
  t.true((error as UpstreamError).message.includes('The server had an error'));

  const spark = await setup(t, { embeddedError: sparkEmbeddedError, acceptsStreamOptions: false });
  always(spark.fake, sse([chunk({ content: 'Hi' }), JSON.stringify({ code: 10013, message: 'input not allowed', sid: 's' })]));
  const embedded = await drainFailing(await spark.provider.chatCompletions(chatCall({ stream: true })));
  t.deepEqual(embedded.payloads, [chunk({ content: 'Hi' })]);
  t.is((embedded.error as UpstreamError).status, 400);
});

test('[DONE] ends a stream cleanly; an end without it and without a finish_reason is truncation', async (t) => {
  const { provider, fake } = await setup(t, { acceptsStreamOptions: false });
  always(fake, sse([chunk({ content: 'Hi' }), chunk({}, 'stop')], false));
  t.is((await drain(await provider.chatCompletions(chatCall({ stream: true })))).length, 2, 'finished, [DONE] missing: complete');

  always(fake, sse([chunk({ content: 'Hi' })], true));
  t.is((await drain(await provider.chatCompletions(chatCall({ stream: true })))).length, 1, '[DONE] ends it');

  always(fake, sse([chunk({ content: 'Hi' })], false));
  const cut = await drainFailing(await provider.chatCompletions(chatCall({ stream: true })));
  t.deepEqual(cut.payloads, [chunk({ content: 'Hi' })]);
  t.is((cut.error as UpstreamError).code, 'upstream_stream_truncated');

  always(fake, { kind: 'reply', text: 'one two three four five', failAfterChunks: 2 });
  const broken = await drainFailing(await provider.chatCompletions(chatCall({ stream: true })));
  t.true(broken.error instanceof UpstreamError);
  t.is((broken.error as UpstreamError).status, 502);
  t.false(broken.payloads.some((payload) => payload.includes('"finish_reason":"stop"')));
});

test('a JSON answer to a stream request becomes the stream it would have been, its usage reported', async (t) => {
  const { provider, fake } = await setup(t);
  const completion = readJsonFixture<{ usage: unknown; choices: { message: { content: string } }[] }>('deepseek/deepseek-text.json');
  always(fake, { kind: 'raw', status: 200, contentType: 'application/json', body: readFixture('deepseek/deepseek-text.json') });

  const result = await provider.chatCompletions(chatCall({ stream: true }, { excerptChars: 20 }));
  const chunks = (await drain(result)).map((payload) => JSON.parse(payload) as { choices: { delta: { content?: string }; finish_reason: string }[] });
  t.is(chunks.length, 1);
  t.is(chunks[0]!.choices[0]!.delta.content, completion.choices[0]!.message.content);
  t.deepEqual(asStream(result).report.usage, readOpenAIUsage(completion.usage));
  t.is(asStream(result).report.excerpt, completion.choices[0]!.message.content.slice(0, 20));
  t.is(asStream(result).report.estimatedCompletionTokens, estimateTokens(completion.choices[0]!.message.content));

  const withUsage = await drain(await provider.chatCompletions(chatCall({ stream: true, stream_options: { include_usage: true } })));
  t.deepEqual(JSON.parse(withUsage.at(-1)!).usage, completion.usage);
});

test('float embeddings from an upstream that ignores encoding_format are re-encoded as base64', async (t) => {
  const { provider, fake } = await setup(t);
  const original = fake.script;
  fake.script = (request) => {
    if (request.body) delete request.body.encoding_format;
    return original(request);
  };
  const call = (encoding_format: string) => ({
    request: embeddingsRequestSchema.parse({ model: 'text-embedding-3-small', input: ['abc', 'de'], encoding_format }),
    rawBody: undefined,
    upstreamModel: 'text-embedding-3-small',
    apiKey: KEY,
    cancellation: new CancellationSource(),
  });
  const floats = JSON.parse((await provider.embeddings(call('float'))).body) as { data: { embedding: number[] }[] };
  const result = await provider.embeddings(call('base64'));
  const encoded = JSON.parse(result.body) as { data: { embedding: string }[]; usage: unknown };
  t.is(typeof encoded.data[0]!.embedding, 'string');
  t.deepEqual(encoded.data.map((item) => Array.from(decodeEmbeddingBase64(item.embedding))), floats.data.map((item) => item.embedding));
  t.deepEqual(result.usage, tokenUsage({ prompt: 6 }));
});

test('the model list: the upstream\'s, or the static one without asking', async (t) => {
  const { provider, fake } = await setup(t);
  const models = await provider.listModels({ apiKey: KEY, cancellation: new CancellationSource() });
  t.deepEqual(models, fake.models.map((id) => ({ id, created: 1_700_000_000 })));
  t.is(fake.requests[0]!.headers.authorization, `Bearer ${KEY}`);

  const fixed = await setup(t, { staticModels: ['lite', 'max-32k'] });
  t.deepEqual(await fixed.provider.listModels({ apiKey: KEY, cancellation: new CancellationSource() }), [{ id: 'lite' }, { id: 'max-32k' }]);
  t.is(fixed.fake.requests.length, 0);
});
