import test from 'ava';
import { UpstreamError } from '../../../src/core/errors.js';
import { tokenUsage } from '../../../src/core/usage.js';
import { OllamaChatStreamConverter, parseChatStreamLine, readOllamaChatStream } from '../../../src/providers/ollama/stream.js';
import { ollamaChatResponseSchema } from '../../../src/providers/ollama/wire.js';
import { readFixture } from '../../helpers/fixtures.js';
import type { ChatChunk } from '../../helpers/chat-chunk.js';

const context = { provider: 'ollama', apiKey: undefined };
const newConverter = (includeUsage = false) => new OllamaChatStreamConverter({ id: 'chatcmpl-s1', model: 'fallback', includeUsage });
const line = (text: string) => ollamaChatResponseSchema.parse(JSON.parse(text));
const fixtureLines = (name: string) => readFixture(name).split('\n').filter((entry) => entry !== '');

async function* reads(...chunks: (string | Uint8Array)[]): AsyncGenerator<Uint8Array | string> {
  for (const chunk of chunks) yield chunk;
}

async function collect(source: AsyncIterable<string[]>): Promise<string[][]> {
  const batches: string[][] = [];
  for await (const batch of source) batches.push(batch);
  return batches;
}

const chunksOf = (batches: string[][]): ChatChunk[] => batches.flat().map((payload) => JSON.parse(payload) as ChatChunk);

test('a text stream: role first, one delta per line, then the finish reason; id, created and model fixed', (t) => {
  const converter = newConverter();
  const chunks = fixtureLines('ollama/chat-stream-text.ndjson').flatMap((entry) => converter.accept(line(entry))).map((payload) => JSON.parse(payload) as ChatChunk);
  t.deepEqual(
    chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason]),
    [
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'Grüß' }, null],
      [{ content: ' dich' }, null],
      [{ content: ' 👋 — 你好' }, null],
      [{ content: '，世界' }, null],
      [{}, 'length'],
    ],
  );
  for (const chunk of chunks) {
    t.is(chunk.id, 'chatcmpl-s1');
    t.is(chunk.object, 'chat.completion.chunk');
    t.is(chunk.model, 'qwen2.5:7b-instruct');
    t.is(chunk.created, Math.floor(Date.parse('2026-11-20T09:30:00.100Z') / 1000));
    t.is(chunk.choices[0]?.index, 0);
    t.is(chunk.choices[0]?.logprobs, null);
    t.false('usage' in chunk, 'no usage field unless the client asked for usage');
  }
  t.true(converter.completed);
  t.deepEqual(converter.usage, tokenUsage({ prompt: 31, completion: 4 }));
});

test('the exact bytes of the first chunks', (t) => {
  const converter = newConverter();
  const payloads = converter.accept(line(fixtureLines('ollama/chat-stream-text.ndjson')[0]!));
  const created = Math.floor(Date.parse('2026-11-20T09:30:00Z') / 1000);
  t.deepEqual(payloads, [
    `{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":${created},"model":"qwen2.5:7b-instruct","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
    `{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":${created},"model":"qwen2.5:7b-instruct","choices":[{"index":0,"delta":{"content":"Grüß"},"logprobs":null,"finish_reason":null}]}`,
  ]);
});

test('thinking streams as reasoning_content; a tool call is sent whole with its index; the finish reason is tool_calls', (t) => {
  const converter = newConverter();
  const chunks = fixtureLines('ollama/chat-stream-thinking-tool-call.ndjson')
    .flatMap((entry) => converter.accept(line(entry)))
    .map((payload) => JSON.parse(payload) as ChatChunk);
  t.deepEqual(
    chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason]),
    [
      [{ role: 'assistant', content: '' }, null],
      [{ reasoning_content: 'The user asks' }, null],
      [{ reasoning_content: ' about the weather in Paris.' }, null],
      [{ tool_calls: [{ index: 0, id: 'call_p4r1s0wx', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }, null],
      [{}, 'tool_calls'],
    ],
  );
});

test('tool calls are numbered across lines and within a line; missing ids are minted per index', (t) => {
  const converter = newConverter();
  const payloads = [
    '{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"a","arguments":{"n":1}}}]},"done":false}',
    '{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"b","arguments":{}}},{"id":"call_own","function":{"index":1,"name":"c","arguments":{"q":"ü"}}}]},"done":false}',
    '{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}',
  ].flatMap((entry) => converter.accept(line(entry)));
  const calls = payloads.flatMap((payload) => (JSON.parse(payload) as ChatChunk).choices[0]?.delta.tool_calls ?? []);
  t.deepEqual(calls, [
    { index: 0, id: 'call_s1_0', type: 'function', function: { name: 'a', arguments: '{"n":1}' } },
    { index: 1, id: 'call_s1_1', type: 'function', function: { name: 'b', arguments: '{}' } },
    { index: 2, id: 'call_own', type: 'function', function: { name: 'c', arguments: '{"q":"ü"}' } },
  ]);
});

test('a line with thinking, text and a tool call gives one delta with all three', (t) => {
  const converter = newConverter();
  const [, delta] = converter.accept(
    line('{"message":{"role":"assistant","content":"Sure.","thinking":"hm","tool_calls":[{"id":"call_x","function":{"name":"f","arguments":{}}}]},"done":false}'),
  );
  t.deepEqual((JSON.parse(delta!) as ChatChunk).choices[0]?.delta, {
    reasoning_content: 'hm',
    content: 'Sure.',
    tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { name: 'f', arguments: '{}' } }],
  });
});

test('text on the final line is sent before the finish chunk', (t) => {
  const converter = newConverter();
  const chunks = converter
    .accept(line('{"model":"gemma3","created_at":"2025-10-26T17:15:24.166576Z","message":{"role":"assistant","content":"!"},"done":true,"done_reason":"stop"}'))
    .map((payload) => JSON.parse(payload) as ChatChunk);
  t.deepEqual(
    chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason]),
    [
      [{ role: 'assistant', content: '' }, null],
      [{ content: '!' }, null],
      [{}, 'stop'],
    ],
  );
});

test('empty lines in the middle (no text, no thinking) produce nothing', (t) => {
  const converter = newConverter();
  converter.accept(line('{"message":{"role":"assistant","content":"a"},"done":false}'));
  t.deepEqual(converter.accept(line('{"message":{"role":"assistant","content":""},"done":false}')), []);
});

test('with include_usage: every chunk has usage null, and a last chunk has the usage and no choices', (t) => {
  const converter = newConverter(true);
  const chunks = fixtureLines('ollama/chat-stream-text.ndjson')
    .flatMap((entry) => converter.accept(line(entry)))
    .map((payload) => JSON.parse(payload) as ChatChunk);
  const usageChunk = chunks.at(-1)!;
  t.deepEqual(usageChunk.choices, []);
  t.deepEqual(usageChunk.usage, { prompt_tokens: 31, completion_tokens: 4, total_tokens: 35 });
  t.is(usageChunk.id, 'chatcmpl-s1');
  for (const chunk of chunks.slice(0, -1)) t.is(chunk.usage, null);
  t.is(chunks.at(-2)?.choices[0]?.finish_reason, 'length');
});

test('lines after the final one are ignored', (t) => {
  const converter = newConverter();
  converter.accept(line('{"message":{"role":"assistant","content":""},"done":true}'));
  t.deepEqual(converter.accept(line('{"message":{"role":"assistant","content":"late"},"done":false}')), []);
});

test('log probabilities ride on the delta chunk of their line', (t) => {
  const converter = newConverter();
  const [, delta] = converter.accept(line('{"message":{"role":"assistant","content":"Hi"},"logprobs":[{"token":"Hi","logprob":-0.2,"bytes":[72,105]}],"done":false}'));
  t.deepEqual((JSON.parse(delta!) as ChatChunk).choices[0]?.logprobs, { content: [{ token: 'Hi', logprob: -0.2, bytes: [72, 105], top_logprobs: [] }], refusal: null });
});

test('the reader gives the same chunks however the bytes are split, even inside characters', async (t) => {
  const bytes = Buffer.from(readFixture('ollama/chat-stream-text.ndjson'), 'utf8');
  const expected = chunksOf(await collect(readOllamaChatStream(reads(bytes), newConverter(), context)));
  t.is(expected.length, 6);
  for (let cut = 1; cut < bytes.length; cut++) {
    const batches = await collect(readOllamaChatStream(reads(bytes.subarray(0, cut), bytes.subarray(cut)), newConverter(), context));
    t.deepEqual(chunksOf(batches), expected, `cut at byte ${cut}`);
  }
  const byteByByte = await collect(readOllamaChatStream(reads(...Array.from(bytes, (byte) => Uint8Array.of(byte))), newConverter(), context));
  t.deepEqual(chunksOf(byteByByte), expected);
});

test('the reader yields one batch per read and returns right after the final line', async (t) => {
  const [first, second, third, fourth, last] = fixtureLines('ollama/chat-stream-text.ndjson');
  let readsAfterDone = 0;
  async function* source(): AsyncGenerator<string> {
    yield `${first}\n${second}\n`;
    yield `${third}\n${fourth}\n${last}\n`;
    readsAfterDone++;
    yield '{"message":{"content":"never read"},"done":false}\n';
  }
  const batches = await collect(readOllamaChatStream(source(), newConverter(), context));
  t.deepEqual(
    batches.map((batch) => batch.length),
    [3, 3],
  );
  t.is(readsAfterDone, 0);
});

test('an error line mid-stream: what came before is delivered, then an UpstreamError with Ollama’s message', async (t) => {
  const batches: string[][] = [];
  const error = await t.throwsAsync(async () => {
    for await (const batch of readOllamaChatStream(reads(readFixture('ollama/chat-stream-error.ndjson')), newConverter(), context)) batches.push(batch);
  });
  t.deepEqual(
    chunksOf(batches).map((chunk) => chunk.choices[0]?.delta.content),
    ['', 'Yes', ', I'],
  );
  t.true(error instanceof UpstreamError);
  t.is((error as UpstreamError).status, 502);
  t.is(error?.message, 'an error was encountered while running the model: unexpected EOF');
});

test('an error as the very first line fails before any chunk', async (t) => {
  const batches: string[][] = [];
  const error = await t.throwsAsync(async () => {
    for await (const batch of readOllamaChatStream(reads('{"error":"model requires more system memory (12.3 GiB) than is available (4.0 GiB)"}\n'), newConverter(), context)) {
      batches.push(batch);
    }
  });
  t.deepEqual(batches, []);
  t.true(error instanceof UpstreamError);
  t.regex(error?.message ?? '', /more system memory/);
});

test('a stream that ends without done: true is an error, even after content', async (t) => {
  const lines = fixtureLines('ollama/chat-stream-text.ndjson').slice(0, -1);
  const error = await t.throwsAsync(collect(readOllamaChatStream(reads(`${lines.join('\n')}\n`), newConverter(), context)));
  t.true(error instanceof UpstreamError);
  t.is((error as UpstreamError).code, 'upstream_stream_truncated');
  t.is((error as UpstreamError).kind, 'protocol');
  const empty = await t.throwsAsync(collect(readOllamaChatStream(reads(), newConverter(), context)));
  t.is((empty as UpstreamError).code, 'upstream_stream_truncated');
});

test('a final line without its line feed still completes the stream', async (t) => {
  const batches = await collect(readOllamaChatStream(reads('{"message":{"role":"assistant","content":"ok"},"done":true,"done_reason":"stop"}'), newConverter(), context));
  t.is(chunksOf(batches).at(-1)?.choices[0]?.finish_reason, 'stop');
});

test('a line that is not JSON, or not a chat answer, is a protocol error', (t) => {
  const notJson = t.throws(() => parseChatStreamLine('data: {"x":1}', context));
  t.is((notJson as UpstreamError).code, 'upstream_invalid_response');
  const wrongShape = t.throws(() => parseChatStreamLine('{"done":"yes"}', context));
  t.is((wrongShape as UpstreamError).code, 'upstream_invalid_response');
  t.is(parseChatStreamLine('{"done":false,"extra":{"new":"field"}}', context).done, false);
});

test('the key is removed from an error line', (t) => {
  const error = t.throws(() => parseChatStreamLine('{"error":"bad key secret-key-123456 rejected"}', { provider: 'ollama', apiKey: 'secret-key-123456' }));
  t.is(error?.message, 'bad key [redacted] rejected');
});
