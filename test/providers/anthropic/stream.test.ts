import { readdirSync } from 'node:fs';
import test from 'ava';
import { UpstreamError } from '../../../src/core/errors.js';
import { tokenUsage } from '../../../src/core/usage.js';
import { parseToolCallId } from '../../../src/providers/anthropic/tool-call-id.js';
import { responsesInFixture } from '../../fakes/anthropic-upstream.js';
import { fixturePath, readChunkLines } from '../../helpers/fixtures.js';
import { accumulate, convert, fixtureEvents, sseEvent, textOfEvents } from './stream-helpers.js';

// ---- recorded streams -------------------------------------------------------------------------------------------

test('a text stream becomes a role chunk, content chunks and a finish chunk, in OpenAI form', async (t) => {
  const { chunks, error, converter } = await convert(fixtureEvents('anthropic-text'));
  t.is(error, undefined);
  t.deepEqual(chunks[0], {
    id: 'msg_01QC4g3HwBThD4BaNtBckFDJ',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'claude-sonnet-4-5-20250929',
    choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }],
  });
  t.deepEqual(
    chunks.slice(1, -1).map((chunk) => chunk.choices[0]!.delta),
    ['Hello', '! I', "'m doing well, thank you for asking", '. How are you doing today?', ' Is', ' there anything I can help you with?'].map((content) => ({ content })),
  );
  t.deepEqual(chunks.at(-1)!.choices, [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
  t.false('usage' in chunks[0]!, 'no usage fields unless the client asked for them');
  t.deepEqual(converter.usage, tokenUsage({ prompt: 12, completion: 30 }));
  t.true(converter.completed);
});

test('with include_usage every chunk carries usage: null and a last chunk without choices carries the usage', async (t) => {
  const { chunks } = await convert(fixtureEvents('anthropic-text'), { includeUsage: true });
  const last = chunks.at(-1)!;
  t.deepEqual(last.choices, []);
  t.deepEqual(last.usage, {
    prompt_tokens: 12,
    completion_tokens: 30,
    total_tokens: 42,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  });
  t.true(chunks.slice(0, -1).every((chunk) => chunk.usage === null));
  t.is(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
});

test('the role chunk waits for the first content, so a failure before any content fails the whole call', async (t) => {
  const { batches } = await convert(fixtureEvents('anthropic-text'));
  // message_start, content_block_start and ping arrive first, each on its own; nothing is sent before "Hello".
  t.is(batches[0]!.length, 2);
  t.regex(batches[0]![0]!, /"role":"assistant"/);
  t.regex(batches[0]![1]!, /"content":"Hello"/);
});

test('events that arrive together are converted together', async (t) => {
  const { batches } = await convert(fixtureEvents('anthropic-text'), { together: true });
  t.is(batches.length, 1);
  t.is(batches[0]!.length, 8);
});

test('a tool call without arguments streams its id and name, then "{}" as its arguments', async (t) => {
  const events = fixtureEvents('anthropic-tool-no-args');
  const { chunks, error } = await convert(events);
  t.is(error, undefined);
  const toolChunks = chunks.filter((chunk) => chunk.choices[0]?.delta.tool_calls);
  t.deepEqual(
    toolChunks.map((chunk) => chunk.choices[0]!.delta.tool_calls),
    [
      [{ index: 0, id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', type: 'function', function: { name: 'updateIssueList', arguments: '' } }],
      [{ index: 0, function: { arguments: '{}' } }],
    ],
  );
  const message = accumulate(chunks);
  t.is(message.content, "I'll update the issue list for you.");
  t.deepEqual(message.finishReasons, ['tool_calls']);
});

test('tool-call arguments stream as their input_json_delta fragments arrive; the tool call is numbered 0 whatever its block index', async (t) => {
  const { chunks } = await convert(fixtureEvents('anthropic-json-tool.2'));
  const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
  t.deepEqual(toolDeltas, [
    { index: 0, id: 'toolu_01KFbKqPYSuAKujiL6mTfzYA', type: 'function', function: { name: 'json', arguments: '' } },
    { index: 0, function: { arguments: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]' } },
    { index: 0, function: { arguments: '}' } },
  ]);
  const message = accumulate(chunks);
  t.is(message.content, "I'll invoke the JSON response tool.");
  t.deepEqual(JSON.parse(message.toolCalls[0]!.arguments), { elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
});

test('a forced JSON tool and a tool chosen instead of it come through whole, pings ignored', async (t) => {
  const jsonTool = accumulate((await convert(fixtureEvents('anthropic-json-tool.1'))).chunks);
  t.is(jsonTool.content, '');
  t.deepEqual(jsonTool.toolCalls.map((call) => call.name), ['json']);
  t.deepEqual(JSON.parse(jsonTool.toolCalls[0]!.arguments), { elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }] });
  const other = await convert(fixtureEvents('anthropic-json-other-tool.1'));
  const otherMessage = accumulate(other.chunks);
  t.deepEqual(otherMessage.toolCalls, [{ id: 'toolu_019Zvehfe1XQWweT1pm7okyt', type: 'function', name: 'weather', arguments: '{"location": "San Francisco"}' }]);
  t.deepEqual(otherMessage.finishReasons, ['tool_calls']);
  t.false(other.batches.flat().some((payload) => payload.includes('ping')));
});

test('thinking streams as reasoning_content; empty thinking deltas and the signature are not sent as text', async (t) => {
  const { chunks } = await convert(fixtureEvents('anthropic-clear-thinking.1'));
  const reasoningDeltas = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content).filter((text) => text !== undefined);
  t.is(reasoningDeltas.length, 9, 'nine non-empty thinking deltas; the tenth is empty');
  const message = accumulate(chunks);
  t.is(message.reasoning, 'The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
  t.is(message.content, '925 ÷ 5 = 185');
  t.false(chunks.some((chunk) => JSON.stringify(chunk).includes('EvQBCkYICxgCKkAx')), 'no signature in a turn without tool calls');
  t.deepEqual(message.finishReasons, ['stop']);
});

test('a long thinking stream with context editing converts completely', async (t) => {
  const events = fixtureEvents('anthropic-combined-context-editing.1');
  const { chunks, error } = await convert(events);
  t.is(error, undefined);
  const message = accumulate(chunks);
  t.is(message.content, textOfEvents(events));
  t.true(message.reasoning.length > 100);
});

test('a refusal without content ends with the explanation as refusal and finish_reason content_filter', async (t) => {
  const { chunks, converter } = await convert(fixtureEvents('anthropic-refusal'));
  t.deepEqual(
    chunks.map((chunk) => [chunk.choices[0]!.delta, chunk.choices[0]!.finish_reason]),
    [
      [{ role: 'assistant', content: '', refusal: null }, null],
      [{ refusal: "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy." }, null],
      [{}, 'content_filter'],
    ],
  );
  t.is(converter.usage?.completion, 5);
});

test('input tokens that message_delta reports replace those of message_start (an Anthropic-compatible server)', async (t) => {
  const { chunks, converter } = await convert(fixtureEvents('anthropic-message-delta-input-tokens'), { includeUsage: true });
  t.is(accumulate(chunks).content, 'pong');
  t.deepEqual(converter.usage, tokenUsage({ prompt: 61, completion: 2 }));
  t.like(chunks.at(-1)!.usage, { prompt_tokens: 61, completion_tokens: 2, total_tokens: 63 });
});

test('cache reads and writes count as prompt tokens, reads also as cached tokens', async (t) => {
  const { converter } = await convert([
    sseEvent({ type: 'message_start', message: { id: 'msg_cache', model: 'claude-x', usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 3000, output_tokens: 1 } } }),
    sseEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sseEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } }),
    sseEvent({ type: 'content_block_stop', index: 0 }),
    sseEvent({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } }),
    sseEvent({ type: 'message_stop' }),
  ]);
  t.deepEqual(converter.usage, tokenUsage({ prompt: 3210, completion: 7, cached: 3000, cacheWrite: 200 }));
});

test('a message_start repeated for the same message is ignored', async (t) => {
  const { chunks, error, converter } = await convert(fixtureEvents('duplicate-message-start'));
  t.is(error, undefined);
  t.is(chunks.filter((chunk) => chunk.choices[0]?.delta.role).length, 1);
  t.is(accumulate(chunks).content, 'Hello, World!');
  t.is(converter.usage?.prompt, 17);
  t.is(converter.usage?.completion, 227);
});

test('a second message starting inside the first is a protocol failure, not a spliced answer', async (t) => {
  const { chunks, error } = await convert(fixtureEvents('spliced-message-start'));
  t.true(error instanceof UpstreamError);
  const failure = error as UpstreamError;
  t.is(failure.status, 502);
  t.is(failure.kind, 'protocol');
  t.regex(failure.message, /started message msg_second before finishing msg_first/);
  const message = accumulate(chunks);
  t.deepEqual(message.finishReasons, [], 'the broken answer never looks finished');
  t.false(JSON.stringify(chunks).includes('Sparkle Day'), 'nothing of the second message reaches the client');
});

test('server tools (web search) add no tool calls; the text around them comes through', async (t) => {
  const events = fixtureEvents('anthropic-web-search-tool.1');
  const { chunks, error } = await convert(events);
  t.is(error, undefined);
  const message = accumulate(chunks);
  t.deepEqual(message.toolCalls, []);
  t.is(message.content, textOfEvents(events));
  t.false(message.content.includes('"query"'), 'the search query JSON is not text');
  t.deepEqual(message.finishReasons, ['stop']);
});

test('a client tool called after a server tool search is tool call 0', async (t) => {
  const message = accumulate((await convert(fixtureEvents('anthropic-tool-search-bm25.1', 0))).chunks);
  t.deepEqual(
    message.toolCalls.map((call) => [call.name, JSON.parse(call.arguments) as unknown]),
    [['get_weather', { location: 'San Francisco, CA' }]],
  );
  t.deepEqual(message.finishReasons, ['tool_calls']);
});

test('a turn that used only server tools ends with stop, not tool_calls', async (t) => {
  const message = accumulate((await convert(fixtureEvents('anthropic-programmatic-tool-calling.1', 0))).chunks);
  t.deepEqual(message.toolCalls, [], 'a tool called by executed code is not a call for the client');
  t.deepEqual(message.finishReasons, ['stop']);
});

// ---- every recorded stream ---------------------------------------------------------------------------------------

const streamFixtures = readdirSync(fixturePath('anthropic'))
  .filter((name) => name.endsWith('.chunks.txt'))
  .map((name) => name.replace(/\.chunks\.txt$/, ''));

test('every recorded stream (each response of files holding several) converts to a complete, well-formed OpenAI stream', async (t) => {
  t.true(streamFixtures.length >= 30);
  let converted = 0;
  for (const name of streamFixtures) {
    if (name === 'spliced-message-start') continue;
    const responses = responsesInFixture(readChunkLines(`anthropic/${name}.chunks.txt`));
    for (const [index] of responses.entries()) {
      const events = fixtureEvents(name, index);
      const { chunks, error } = await convert(events, { includeUsage: true });
      const where = `${name} response ${index}`;
      t.is(error, undefined, where);
      t.true(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id.length > 0), where);
      const message = accumulate(chunks);
      t.is(message.role, 'assistant', where);
      t.is(message.finishReasons.length, 1, `${where}: exactly one finish reason`);
      t.true(['stop', 'length', 'tool_calls', 'content_filter'].includes(message.finishReasons[0]!), where);
      t.is(message.content, textOfEvents(events), `${where}: content is the text blocks' text`);
      t.is(message.toolCalls.length, Object.keys(message.toolCalls).length, `${where}: tool-call indexes have no gaps`);
      for (const call of message.toolCalls) {
        t.is(call.type, 'function', where);
        t.true(call.id.startsWith('toolu_'), where);
        const parsed: unknown = JSON.parse(call.arguments);
        t.true(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `${where}: arguments are a JSON object`);
      }
      t.is(message.finishReasons[0] === 'tool_calls', message.toolCalls.length > 0, `${where}: tool_calls exactly when there are tool calls`);
      t.deepEqual(chunks.at(-1)!.choices, [], `${where}: usage chunk last`);
      converted++;
    }
  }
  t.true(converted > 40);
});

// ---- hand-made streams: what no recording covers -------------------------------------------------------------------

const start = (id = 'msg_hand', usage: Record<string, number> = { input_tokens: 20, output_tokens: 1 }) =>
  sseEvent({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage } });
const blockStart = (index: number, contentBlock: Record<string, unknown>) => sseEvent({ type: 'content_block_start', index, content_block: contentBlock });
const delta = (index: number, value: Record<string, unknown>) => sseEvent({ type: 'content_block_delta', index, delta: value });
const blockStop = (index: number) => sseEvent({ type: 'content_block_stop', index });
const messageDelta = (stopReason: string, outputTokens = 40) =>
  sseEvent({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
const stop = () => sseEvent({ type: 'message_stop' });
const ping = () => sseEvent({ type: 'ping' });

test('several tool calls in one message get indexes 0, 1, 2 in order, each opened before its arguments', async (t) => {
  const { chunks } = await convert([
    start(),
    blockStart(0, { type: 'text', text: '' }),
    delta(0, { type: 'text_delta', text: 'Checking both.' }),
    blockStop(0),
    ping(),
    blockStart(1, { type: 'tool_use', id: 'toolu_01A', name: 'get_weather', input: {} }),
    delta(1, { type: 'input_json_delta', partial_json: '' }),
    delta(1, { type: 'input_json_delta', partial_json: '{"city": "Par' }),
    delta(1, { type: 'input_json_delta', partial_json: 'is"}' }),
    blockStop(1),
    blockStart(2, { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} }),
    delta(2, { type: 'input_json_delta', partial_json: '' }),
    blockStop(2),
    blockStart(3, { type: 'tool_use', id: 'toolu_01C', name: 'get_weather', input: {} }),
    delta(3, { type: 'input_json_delta', partial_json: '{"city": "Oslo"}' }),
    blockStop(3),
    messageDelta('tool_use'),
    stop(),
  ]);
  t.deepEqual(
    chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []),
    [
      { index: 0, id: 'toolu_01A', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 0, function: { arguments: '{"city": "Par' } },
      { index: 0, function: { arguments: 'is"}' } },
      { index: 1, id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '' } },
      { index: 1, function: { arguments: '{}' } },
      { index: 2, id: 'toolu_01C', type: 'function', function: { name: 'get_weather', arguments: '' } },
      { index: 2, function: { arguments: '{"city": "Oslo"}' } },
    ],
  );
  const message = accumulate(chunks);
  t.is(message.content, 'Checking both.');
  t.deepEqual(message.finishReasons, ['tool_calls']);
});

test('thinking (with its signature) and redacted thinking before a tool call travel in that tool call id', async (t) => {
  const { chunks } = await convert([
    start(),
    blockStart(0, { type: 'thinking', thinking: '', signature: '' }),
    delta(0, { type: 'thinking_delta', thinking: 'I should look ' }),
    delta(0, { type: 'thinking_delta', thinking: 'it up.' }),
    delta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' }),
    blockStop(0),
    blockStart(1, { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' }),
    blockStop(1),
    blockStart(2, { type: 'tool_use', id: 'toolu_01Think', name: 'search', input: {} }),
    delta(2, { type: 'input_json_delta', partial_json: '{"q":"x"}' }),
    blockStop(2),
    blockStart(3, { type: 'thinking', thinking: '', signature: '' }),
    delta(3, { type: 'thinking_delta', thinking: 'And the second one.' }),
    delta(3, { type: 'signature_delta', signature: 'SecondSignature' }),
    blockStop(3),
    blockStart(4, { type: 'tool_use', id: 'toolu_01Second', name: 'search', input: {} }),
    delta(4, { type: 'input_json_delta', partial_json: '{"q":"y"}' }),
    blockStop(4),
    blockStart(5, { type: 'tool_use', id: 'toolu_01Third', name: 'search', input: {} }),
    blockStop(5),
    messageDelta('tool_use'),
    stop(),
  ]);
  const message = accumulate(chunks);
  t.is(message.reasoning, 'I should look it up.\n\nAnd the second one.', 'redacted thinking shows no text');
  const [first, second, third] = message.toolCalls.map((call) => parseToolCallId(call.id, 'id'));
  t.deepEqual(first, {
    toolUseId: 'toolu_01Think',
    reasoning: [
      { type: 'thinking', thinking: 'I should look it up.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
    ],
  });
  t.deepEqual(second, { toolUseId: 'toolu_01Second', reasoning: [{ type: 'thinking', thinking: 'And the second one.', signature: 'SecondSignature' }] });
  t.deepEqual(third, { toolUseId: 'toolu_01Third', reasoning: [] });
  t.is(message.toolCalls[2]!.id, 'toolu_01Third', 'a tool call with no reasoning before it keeps the plain id');
  t.is(message.toolCalls[2]!.arguments, '{}', 'input given whole at block start, without deltas, is the arguments');
});

test('stop_reason max_tokens ends with finish_reason length, also after a tool call began', async (t) => {
  const text = accumulate(
    (await convert([start(), blockStart(0, { type: 'text', text: '' }), delta(0, { type: 'text_delta', text: 'Once upon a' }), blockStop(0), messageDelta('max_tokens', 3), stop()])).chunks,
  );
  t.deepEqual(text.finishReasons, ['length']);
  const tool = accumulate(
    (await convert([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }), delta(0, { type: 'input_json_delta', partial_json: '{"a":' }), blockStop(0), messageDelta('max_tokens'), stop()]))
      .chunks,
  );
  t.deepEqual(tool.finishReasons, ['length']);
});

test('the other stop reasons map as in the table', async (t) => {
  const finishOf = async (stopReason: string) =>
    accumulate((await convert([start(), blockStart(0, { type: 'text', text: '' }), delta(0, { type: 'text_delta', text: 'x' }), blockStop(0), messageDelta(stopReason), stop()])).chunks)
      .finishReasons[0];
  t.is(await finishOf('end_turn'), 'stop');
  t.is(await finishOf('stop_sequence'), 'stop');
  t.is(await finishOf('pause_turn'), 'stop');
  t.is(await finishOf('model_context_window_exceeded'), 'length');
  t.is(await finishOf('refusal'), 'content_filter');
  t.is(await finishOf('something_new'), 'stop');
});

test('an overloaded error event before any content fails before anything is sent: retryable, as 503', async (t) => {
  const { batches, error } = await convert([
    start(),
    ping(),
    sseEvent('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'),
  ]);
  t.deepEqual(batches, [], 'nothing reached the client, so the gateway can retry on another key');
  t.true(error instanceof UpstreamError);
  const failure = error as UpstreamError;
  t.is(failure.status, 503);
  t.is(failure.type, 'server_error');
  t.is(failure.code, 'overloaded_error');
  t.is(failure.message, 'Overloaded');
});

test('an error event after content delivers what came before it, then fails', async (t) => {
  const { batches, error } = await convert([
    start(),
    blockStart(0, { type: 'text', text: '' }),
    delta(0, { type: 'text_delta', text: 'Hello' }),
    delta(0, { type: 'text_delta', text: ' there' }),
    sseEvent('{"type":"error","error":{"type":"api_error","message":"Internal server error"}}'),
  ]);
  t.is(accumulate(batches.flat().map((payload) => JSON.parse(payload))).content, 'Hello there');
  t.is((error as UpstreamError).status, 500);
});

test('the key used is removed from an error event message', async (t) => {
  const key = 'sk-ant-api03-secretsecretsecret-AAAA';
  const { error } = await convert([start(), sseEvent({ type: 'error', error: { type: 'invalid_request_error', message: `bad key ${key}` } })], { apiKey: key });
  t.is((error as UpstreamError).message, 'bad key [redacted]');
  t.is((error as UpstreamError).status, 400);
});

test('a stream that ends without message_stop is an error, even after a finish reason', async (t) => {
  const { chunks, error } = await convert([start(), blockStart(0, { type: 'text', text: '' }), delta(0, { type: 'text_delta', text: 'Hi' }), blockStop(0), messageDelta('end_turn')]);
  t.is(accumulate(chunks).content, 'Hi');
  t.true(error instanceof UpstreamError);
  t.is((error as UpstreamError).code, 'upstream_stream_truncated');
  t.is((error as UpstreamError).status, 502);
});

test('nothing is read after message_stop', async (t) => {
  const { chunks, error } = await convert([...fixtureEvents('anthropic-text'), { event: 'message_start', data: 'not json at all' }]);
  t.is(error, undefined);
  t.is(accumulate(chunks).content.length > 0, true);
});

test('malformed streams are protocol failures', async (t) => {
  const cases: [string, ReturnType<typeof sseEvent>[]][] = [
    ['not JSON', [start(), { event: 'content_block_delta', data: '{"type":' }]],
    ['content before message_start', [blockStart(0, { type: 'text', text: '' })]],
    ['a delta for a block never started', [start(), delta(3, { type: 'text_delta', text: 'x' })]],
    ['a malformed message_start', [sseEvent({ type: 'message_start', message: { id: 5 } })]],
  ];
  for (const [what, events] of cases) {
    const { error } = await convert(events);
    t.true(error instanceof UpstreamError, what);
    t.is((error as UpstreamError).kind, 'protocol', what);
  }
});

test('a ping without data is skipped like any other ping', async (t) => {
  const events = fixtureEvents('anthropic-text');
  const text = textOfEvents(events);
  t.is(events[2]!.event, 'ping');
  events.splice(2, 1, { event: 'ping', data: '' });
  const { error, chunks } = await convert(events);
  t.is(error, undefined);
  t.is(accumulate(chunks).content, text);
});

test('unknown events and deltas are skipped', async (t) => {
  const { chunks, error } = await convert([
    start(),
    sseEvent({ type: 'some_future_event', detail: 1 }),
    blockStart(0, { type: 'text', text: '' }),
    delta(0, { type: 'citations_delta', citation: { type: 'web_search_result_location', url: 'https://example.com' } }),
    delta(0, { type: 'text_delta', text: 'cited' }),
    blockStop(0),
    messageDelta('end_turn'),
    stop(),
  ]);
  t.is(error, undefined);
  t.is(accumulate(chunks).content, 'cited');
});
