import test from 'ava';
import { keepAliveUntil, optimizeChatStream, optimizedPieces } from '../../../src/providers/shared/stream-shaping.js';

const settings = { minDelayMs: 0, maxDelayMs: 0, shortTextThreshold: 10, longTextThreshold: 50, chunkSize: 5 };

test('the optimizer keeps short text, splits long text into chunk-size pieces and middling text character by character', (t) => {
  t.deepEqual(optimizedPieces('short', settings).pieces, ['short']);
  t.deepEqual(optimizedPieces('x'.repeat(52), settings).pieces, ['xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xxxxx', 'xx']);
  t.deepEqual(optimizedPieces('abcdefghijkl', settings).pieces, [...'abcdefghijkl']);
  const slow = optimizedPieces('abcdefghijkl', { ...settings, minDelayMs: 16, maxDelayMs: 24 });
  t.true(slow.delayMs > 16 && slow.delayMs <= 24);
  t.deepEqual(optimizedPieces('日本語のテキストが少し長い場合はどうなるかを確かめるための文です。これは五十文字を超えるでしょうか、まだ足りないかもしれません', settings).pieces.join(''), '日本語のテキストが少し長い場合はどうなるかを確かめるための文です。これは五十文字を超えるでしょうか、まだ足りないかもしれません');
});

test('the optimizer splits only chunks that carry text alone; tool calls, finish chunks and other batches pass as they came', async (t) => {
  const text = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'y'.repeat(60) }, finish_reason: null }] });
  const tool = JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"content":"' + 'z'.repeat(80) + '"}' } }] }, finish_reason: null }] });
  const finish = JSON.stringify({ id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  async function* upstream() {
    yield [text, tool];
    yield [finish];
  }
  const batches: string[][] = [];
  for await (const batch of optimizeChatStream(upstream(), settings)) batches.push(batch);
  const pieces = batches.slice(0, 12).map((batch) => (JSON.parse(batch[0]!) as { choices: [{ delta: { content: string; role?: string } }] }).choices[0].delta);
  t.is(pieces.length, 12);
  t.is(pieces.map((delta) => delta.content).join(''), 'y'.repeat(60));
  t.is(pieces[0]!.role, 'assistant');
  t.is(pieces[1]!.role, undefined, 'the role goes with the first piece only');
  t.deepEqual(batches.slice(12), [[tool], [finish]]);
});

test('a fake stream sends empty batches while the answer is awaited, then the answer; a failure is thrown to the reader', async (t) => {
  let resolve!: (payloads: string[]) => void;
  const answer = new Promise<string[]>((done) => (resolve = done));
  const stream = keepAliveUntil(answer, 5);
  t.deepEqual((await stream.next()).value, []);
  t.deepEqual((await stream.next()).value, []);
  resolve(['{"a":1}']);
  const rest: string[][] = [];
  for await (const batch of stream) rest.push(batch);
  t.deepEqual(rest.at(-1), ['{"a":1}']);
  t.true(rest.slice(0, -1).every((batch) => batch.length === 0));

  const failing = keepAliveUntil(Promise.reject(new Error('upstream said no')), 5);
  await t.throwsAsync(async () => {
    for await (const _ of failing) void _;
  }, { message: 'upstream said no' });
});
