import test from 'ava';
import { UpstreamError } from '../../../src/core/errors.js';
import { isEmptyAnswer, substantialResult } from '../../../src/protocols/openai/answer-substance.js';
import type { ChatResult, StreamReport } from '../../../src/providers/types.js';

const answer = (message: Record<string, unknown>, finish: string | null = null) => JSON.stringify({ choices: [{ index: 0, message, finish_reason: finish }] });

test('an answer with no content, no tool call and no finish reason is empty; any one of them is enough', (t) => {
  t.true(isEmptyAnswer(answer({ role: 'assistant', content: null })));
  t.true(isEmptyAnswer(answer({ role: 'assistant', content: '' })));
  t.true(isEmptyAnswer(JSON.stringify({ choices: [] })));
  t.false(isEmptyAnswer(answer({ role: 'assistant', content: '' }, 'stop')), 'a finish reason: the model chose to say nothing');
  t.false(isEmptyAnswer(answer({ role: 'assistant', content: 'hi' })));
  t.false(isEmptyAnswer(answer({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] })));
  t.false(isEmptyAnswer(JSON.stringify({ choices: [{ index: 0, text: 'legacy', finish_reason: null }] })));
  t.false(isEmptyAnswer(JSON.stringify({ object: 'list', data: [] })), 'not a completion');
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
const report: StreamReport = { usage: undefined, estimatedCompletionTokens: 0, excerpt: undefined } as unknown as StreamReport;
async function* batches(...items: string[][]) {
  yield* items;
}
async function read(result: ChatResult): Promise<string[][]> {
  if (result.kind !== 'stream') throw new Error('not a stream');
  const out: string[][] = [];
  for await (const batch of result.events) out.push(batch);
  return out;
}

test('a stream is held until a chunk carries something, then sent together; one that never does fails as empty', async (t) => {
  const role = chunk({ role: 'assistant', content: '' });
  const text = chunk({ content: 'Hello' });
  const end = chunk({}, 'stop');
  t.deepEqual(await read(substantialResult({ kind: 'stream', events: batches([role], [text], [end]), report }, 'p')), [[role, text], [end]]);
  const error = await t.throwsAsync(read(substantialResult({ kind: 'stream', events: batches([role], [chunk({})]), report }, 'p')), { instanceOf: UpstreamError });
  t.is(error?.code, 'upstream_empty_answer');
  t.is(error?.status, 502);
  t.throws(() => substantialResult({ kind: 'json', body: answer({ role: 'assistant', content: null }), usage: undefined }, 'p'), { instanceOf: UpstreamError });
});

test('keep-alives (empty batches) go out at once while a stream is held; the held chunks follow with the first that carries something', async (t) => {
  const role = chunk({ role: 'assistant', content: '' });
  const text = chunk({ content: 'Hello' });
  const end = chunk({}, 'stop');
  t.deepEqual(await read(substantialResult({ kind: 'stream', events: batches([], [role], [], [text, end]), report }, 'p')), [[], [], [role, text, end]]);
});
