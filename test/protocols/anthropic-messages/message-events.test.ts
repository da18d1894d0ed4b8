import test from 'ava';
import { tokenUsage } from '../../../src/core/usage.js';
import { MessageEventWriter } from '../../../src/protocols/anthropic-messages/message-events.js';
import { readChunkLines } from '../../helpers/fixtures.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });

/** The events as `[type, data]`, parsed back from their SSE framing. */
function parsed(events: string[]): [string, Record<string, unknown>][] {
  return events.map((event) => {
    const [name, data] = event.split('\n');
    return [name!.slice('event: '.length), JSON.parse(data!.slice('data: '.length)) as Record<string, unknown>];
  });
}

const usage = tokenUsage({ prompt: 120, completion: 40, cached: 100 });

const interleaved = [
  chunk({ role: 'assistant', reasoning_content: 'Two ' }),
  chunk({ reasoning_content: 'lookups.' }),
  chunk({ content: 'Checking ' }),
  chunk({ content: 'both.' }),
  chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'local_time', arguments: '{"zone":"CET"}' } }] }),
  chunk({}, 'tool_calls'),
];

test('thinking, text and two tool calls become four blocks with indexes in order, closed by message_delta and message_stop', (t) => {
  const writer = new MessageEventWriter('msg_1', 'gemini-2.5-flash');
  const events = parsed([...writer.write(interleaved), ...writer.end(usage)]);
  t.deepEqual(
    events.map(([type, data]) => `${type}${data.index === undefined ? '' : `:${String(data.index)}`}`),
    [
      'message_start', 'ping',
      'content_block_start:0', 'content_block_delta:0', 'content_block_delta:0', 'content_block_stop:0',
      'content_block_start:1', 'content_block_delta:1', 'content_block_delta:1', 'content_block_stop:1',
      'content_block_start:2', 'content_block_delta:2', 'content_block_delta:2', 'content_block_stop:2',
      'content_block_start:3', 'content_block_delta:3', 'content_block_stop:3',
      'message_delta', 'message_stop',
    ],
  );
  t.deepEqual(events[10]![1], { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_a', name: 'weather', input: {} } });
  t.deepEqual(events[12]![1], { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } });
  t.deepEqual(events.at(-2)![1], {
    type: 'message_delta',
    delta: { stop_reason: 'tool_use', stop_sequence: null },
    usage: { input_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 100, output_tokens: 40 },
  });
});

test('the events are the same however the chunks were batched', (t) => {
  const whole = new MessageEventWriter('msg_1', 'm');
  const expected = [...whole.write(interleaved), ...whole.end(usage)];
  const single = new MessageEventWriter('msg_1', 'm');
  t.deepEqual([...interleaved.flatMap((payload) => single.write([payload])), ...single.end(usage)], expected);
  const pairs = new MessageEventWriter('msg_1', 'm');
  const batches = [interleaved.slice(0, 3), interleaved.slice(3, 4), interleaved.slice(4)];
  t.deepEqual([...batches.flatMap((batch) => pairs.write(batch)), ...pairs.end(usage)], expected);
});

test('a recorded DeepSeek reasoning stream becomes one thinking block and one text block with all of their text', (t) => {
  const lines = readChunkLines('deepseek/deepseek-reasoning.chunks.txt');
  const writer = new MessageEventWriter('msg_1', 'deepseek-reasoner');
  const events = parsed([...writer.write(lines), ...writer.end(usage)]);
  const text = (kind: string) =>
    events
      .filter(([type, data]) => type === 'content_block_delta' && (data.delta as { type: string }).type === kind)
      .map(([, data]) => (data.delta as Record<string, string>)[kind === 'thinking_delta' ? 'thinking' : 'text'])
      .join('');
  const source = lines.map((line) => JSON.parse(line) as { choices: { delta: { content?: string | null; reasoning_content?: string | null } }[] });
  t.is(text('thinking_delta'), source.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join(''));
  t.is(text('text_delta'), source.map((c) => c.choices[0]?.delta.content ?? '').join(''));
  t.deepEqual(events.filter(([type]) => type === 'content_block_start').map(([, data]) => (data.content_block as { type: string }).type), ['thinking', 'text']);
});

test('arguments of a tool call whose block is closed cannot be placed: the stream fails rather than misplace them', (t) => {
  const writer = new MessageEventWriter('msg_1', 'm');
  writer.write([chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'x', arguments: '{' } }] }), chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'y', arguments: '{}' } }] })]);
  t.throws(() => writer.write([chunk({ tool_calls: [{ index: 0, function: { arguments: '}' } }] })]), { message: /interleaved/ });
});

test('a stream with no chunks still gives a complete, empty message', (t) => {
  const writer = new MessageEventWriter('msg_1', 'm');
  t.deepEqual(parsed(writer.end(tokenUsage({ prompt: 3, completion: 0 }))).map(([type]) => type), ['message_start', 'ping', 'message_delta', 'message_stop']);
});
