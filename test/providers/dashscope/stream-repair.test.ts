import test from 'ava';
import { dropEmptyToolCallIds } from '../../../src/providers/dashscope/stream-repair.js';
import { readChunkLines } from '../../helpers/fixtures.js';

test('the empty ids DashScope repeats on continued tool calls are dropped; the first delta keeps its id', (t) => {
  const lines = readChunkLines('alibaba/alibaba-tool-call.chunks.txt');
  const ids = lines
    .map((line) => JSON.parse(dropEmptyToolCallIds(line)) as { choices: { delta?: { tool_calls?: { id?: string }[] } }[] })
    .flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta?.tool_calls ?? []))
    .map((call) => call.id);
  t.true(ids.length > 2);
  t.truthy(ids[0]);
  t.deepEqual(ids.slice(1), ids.slice(1).map(() => undefined));
});

test('a chunk without an empty id passes as the same string, unparsed', (t) => {
  const line = '{"choices":[{"delta":{"content":"say \\"id\\": \\"\\""}}]}';
  t.is(dropEmptyToolCallIds('{"choices":[{"delta":{"content":"hi"}}]}'), '{"choices":[{"delta":{"content":"hi"}}]}');
  t.is(JSON.parse(dropEmptyToolCallIds(line)).choices[0].delta.content, 'say "id": ""');
});
