import test from 'ava';
import { parseSse } from '../../../src/core/sse.js';
import { GatewayError } from '../../../src/core/errors.js';
import { tokenUsage } from '../../../src/core/usage.js';
import type { ResponseFrame } from '../../../src/protocols/openai-responses/response-object.js';
import { ResponsesStreamConverter } from '../../../src/protocols/openai-responses/stream-converter.js';
import { readChunkLines } from '../../helpers/fixtures.js';

const frame: ResponseFrame = { id: 'resp_test', createdAt: 1_700_000_000, model: 'some-model', request: { input: 'x', stream: true } };
const USAGE = tokenUsage({ prompt: 100, completion: 40, cached: 30, reasoning: 12 });

/** Ids numbered in the order they are made, so two runs over the same chunks give the same events. */
const countingIds = () => {
  let next = 0;
  return (prefix: string) => `${prefix}_${++next}`;
};

/** Runs the converter over an SSE body delivered in `pieces`, as the gateway does: parsed, then converted. */
async function convertSse(pieces: string[]): Promise<string[]> {
  const converter = new ResponsesStreamConverter(frame, countingIds());
  async function* source() {
    for (const piece of pieces) yield piece;
  }
  const out: string[] = [];
  converter.start(out);
  for await (const batch of parseSse(source())) for (const { data } of batch) if (data !== '[DONE]') converter.push(data, out);
  converter.finish(USAGE, out);
  return out;
}

const sseOf = (lines: string[]) => `${lines.map((line) => `data: ${line}\n\n`).join('')}data: [DONE]\n\n`;
const events = (out: string[]) => out.map((payload) => JSON.parse(payload) as Record<string, any>);

test('a reasoning stream (DeepSeek recording): reasoning item with summary deltas, then the message, then completed with usage', async (t) => {
  const out = events(await convertSse([sseOf(readChunkLines('deepseek/deepseek-reasoning.chunks.txt'))]));
  t.deepEqual(
    out.map((event) => event.sequence_number),
    out.map((_, index) => index),
  );
  const types = [...new Set(out.map((event) => event.type))];
  t.deepEqual(types, [
    'response.created',
    'response.in_progress',
    'response.output_item.added',
    'response.reasoning_summary_part.added',
    'response.reasoning_summary_text.delta',
    'response.reasoning_summary_text.done',
    'response.reasoning_summary_part.done',
    'response.output_item.done',
    'response.content_part.added',
    'response.output_text.delta',
    'response.output_text.done',
    'response.content_part.done',
    'response.completed',
  ]);
  const completed = out.at(-1)!.response;
  t.is(completed.status, 'completed');
  t.deepEqual(completed.usage, { input_tokens: 100, input_tokens_details: { cached_tokens: 30 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 140 });
  const [reasoning, message] = completed.output;
  t.is(reasoning.type, 'reasoning');
  const deltas = (type: string) => out.filter((event) => event.type === type).map((event) => event.delta as string).join('');
  t.is(reasoning.summary[0].text, deltas('response.reasoning_summary_text.delta'));
  t.is(message.content[0].text, deltas('response.output_text.delta'));
  t.true(message.content[0].text.length > 0);
});

test('a streamed tool call (DashScope recording) becomes one function_call item with its argument deltas', async (t) => {
  const out = events(await convertSse([sseOf(readChunkLines('alibaba/alibaba-tool-call.chunks.txt'))]));
  const completed = out.at(-1)!.response;
  const calls = completed.output.filter((item: { type: string }) => item.type === 'function_call');
  t.is(calls.length, 1);
  t.is(calls[0].name, 'weather');
  t.is(calls[0].call_id, 'call_eee11723464a4b9eb8cee71d');
  t.deepEqual(JSON.parse(calls[0].arguments), { location: 'San Francisco' });
  const done = out.find((event) => event.type === 'response.function_call_arguments.done')!;
  t.is(done.arguments, calls[0].arguments);
  t.is(out.filter((event) => event.type === 'response.function_call_arguments.delta').map((event) => event.delta).join(''), calls[0].arguments);
});

test('interleaved parallel tool calls stay apart, each under its own output index', async (t) => {
  const chunk = (delta: unknown, finish: string | null = null) => JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] });
  const out = events(
    await convertSse([
      sseOf([
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'call_p', type: 'function', function: { name: 'weather', arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_r', type: 'function', function: { name: 'weather', arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '"Rome"}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    ]),
  );
  const output = out.at(-1)!.response.output;
  t.deepEqual(
    output.map((item: Record<string, string>) => [item.call_id, item.arguments, item.status]),
    [
      ['call_p', '{"city":"Paris"}', 'completed'],
      ['call_r', '{"city":"Rome"}', 'completed'],
    ],
  );
});

test('an answer cut by the token limit ends in response.incomplete', async (t) => {
  const chunk = (delta: unknown, finish: string | null = null) => JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] });
  const out = events(await convertSse([sseOf([chunk({ content: 'Once upon' }), chunk({}, 'length')])]));
  const last = out.at(-1)!;
  t.is(last.type, 'response.incomplete');
  t.deepEqual(last.response.incomplete_details, { reason: 'max_output_tokens' });
  t.is(last.response.output[0].status, 'incomplete');
});

test('the same events whatever the chunk boundaries, down to one byte at a time', async (t) => {
  const body = sseOf([...readChunkLines('deepseek/deepseek-reasoning.chunks.txt').slice(0, 12), ...readChunkLines('alibaba/alibaba-tool-call.chunks.txt')]);
  const whole = await convertSse([body]);
  t.deepEqual(await convertSse([...body]), whole, 'one character at a time');
  const bytes = Buffer.from(body);
  const byteAtATime = await (async () => {
    const converter = new ResponsesStreamConverter(frame, countingIds());
    async function* source() {
      for (let index = 0; index < bytes.length; index++) yield bytes.subarray(index, index + 1);
    }
    const out: string[] = [];
    converter.start(out);
    for await (const batch of parseSse(source())) for (const { data } of batch) if (data !== '[DONE]') converter.push(data, out);
    converter.finish(USAGE, out);
    return out;
  })();
  t.deepEqual(byteAtATime, whole, 'one byte at a time');
  for (let cut = 1; cut < body.length; cut += 7) t.deepEqual(await convertSse([body.slice(0, cut), body.slice(cut)]), whole, `split at ${cut}`);
});

test('a stream that breaks off ends with an error event and response.failed, numbered on', async (t) => {
  const converter = new ResponsesStreamConverter(frame, countingIds());
  const out: string[] = [];
  converter.start(out);
  converter.push(JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi' } }] }), out);
  const failure = events(converter.fail(new GatewayError(502, 'The upstream stream failed.', { code: 'upstream_stream_error' })));
  t.deepEqual(
    failure.map((event) => [event.type, event.sequence_number]),
    [
      ['error', out.length],
      ['response.failed', out.length + 1],
    ],
  );
  t.deepEqual(failure[0]!.error, { type: 'server_error', code: 'upstream_stream_error', message: 'The upstream stream failed.', param: null });
  t.is(failure[1]!.response.status, 'failed');
});

test('the event shapes match a recorded OpenAI Responses stream, field for field', async (t) => {
  // Two recordings of different dates: the newer one has `logprobs` on text deltas; `obfuscation` is OpenAI's padding.
  const recorded = ['openai/openai-web-search-tool.1.chunks.txt', 'openai/openai-phase.1.chunks.txt'].flatMap((file) =>
    readChunkLines(file).map((line) => JSON.parse(line) as Record<string, any>),
  );
  const ours = events(await convertSse([sseOf([JSON.stringify({ choices: [{ index: 0, delta: { content: 'Got it' } }] }), JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })])]));
  const keysOf = (list: Record<string, any>[], type: string) =>
    Object.keys(list.find((event) => event.type === type)!)
      .filter((key) => key !== 'obfuscation')
      .sort();
  for (const type of ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done']) {
    t.deepEqual(keysOf(ours, type), keysOf(recorded, type), type);
  }
  const recordedCompleted = readChunkLines('openai/openai-phase.1.chunks.txt')
    .map((line) => JSON.parse(line) as Record<string, any>)
    .find((event) => event.type === 'response.completed')!.response;
  const ourCompleted = ours.at(-1)!.response;
  for (const key of Object.keys(recordedCompleted)) t.true(key in ourCompleted, `response.${key}`);
  t.deepEqual(Object.keys(ourCompleted.usage).sort(), Object.keys(recordedCompleted.usage).sort());
  const recordedMessage = recordedCompleted.output.at(-1);
  t.deepEqual(Object.keys(ourCompleted.output[0]).filter((key) => key !== 'phase').sort(), Object.keys(recordedMessage).filter((key) => key !== 'phase').sort());
});
