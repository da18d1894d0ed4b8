import test from 'ava';
import { completionAsChunks, type ChatCompletionLike } from '../../../src/providers/openai-compatible/completion-as-chunks.js';
import { readJsonFixture } from '../../helpers/fixtures.js';

test('a recorded tool-call completion becomes chunks a client accumulates back to the same message', (t) => {
  const completion = readJsonFixture<ChatCompletionLike & { choices: { message: { tool_calls: { id: string; function: unknown }[] } }[] }>(
    'deepseek/deepseek-tool-call.json',
  );
  const chunks = completionAsChunks(completion, true).map((line) => JSON.parse(line) as Record<string, any>);
  t.is(chunks.length, 2);
  const [first, usage] = chunks;
  t.is(first!.object, 'chat.completion.chunk');
  t.is(first!.id, completion.id);
  t.is(first!.choices[0].finish_reason, 'tool_calls');
  t.deepEqual(
    first!.choices[0].delta.tool_calls.map((call: { index: number; id: string; function: unknown }) => [call.index, call.id, call.function]),
    completion.choices[0]!.message.tool_calls.map((call, index) => [index, call.id, call.function]),
  );
  t.deepEqual(usage!.choices, []);
  t.deepEqual(usage!.usage, completion.usage);
});

test('no usage chunk unless asked for', (t) => {
  t.is(completionAsChunks(readJsonFixture('openai/openai-text.json'), false).length, 1);
});
