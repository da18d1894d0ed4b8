import test from 'ava';
import { GeminiStreamConverter, type StreamContext } from '../../../src/providers/gemini/stream.js';
import { decodeToolCallId } from '../../../src/providers/gemini/tool-call-id.js';
import { generateContentResponseSchema } from '../../../src/providers/gemini/wire.js';
import { readChunkLines } from '../../helpers/fixtures.js';
import type { ChatChunk } from '../../helpers/chat-chunk.js';

const context: StreamContext = {
  id: 'chatcmpl-stream',
  created: 1_760_000_000,
  model: 'gemini-3-pro-preview',
  showThinking: true,
  showSearchLink: true,
  includeUsage: false,
};

/** Feeds Gemini chunks through a converter the way the provider does; returns every payload and the converter. */
function run(chunks: unknown[], overrides: Partial<StreamContext> = {}) {
  const converter = new GeminiStreamConverter({ ...context, ...overrides });
  const payloads: string[] = [];
  for (const chunk of chunks) payloads.push(...converter.push(generateContentResponseSchema.parse(chunk)));
  const completed = converter.completed;
  payloads.push(...converter.finish());
  return { converter, completed, chunks: payloads.map((payload) => JSON.parse(payload) as ChatChunk), payloads };
}

const fixtureChunks = (name: string) => readChunkLines(`google/${name}.chunks.txt`).map((line) => JSON.parse(line) as unknown);

const contentOf = (chunks: ChatChunk[], index = 0) =>
  chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.index === index).map((choice) => choice.delta.content ?? '')).join('');
const toolCallsOf = (chunks: ChatChunk[]) => chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));

test('google-text.chunks.txt: role chunk first, text deltas in order, one finish chunk, nothing else', (t) => {
  const { chunks, completed } = run(fixtureChunks('google-text'));
  t.true(completed);
  t.deepEqual(
    chunks.map((chunk) => [chunk.choices[0]!.delta, chunk.choices[0]!.finish_reason]),
    [
      [{ role: 'assistant', content: '' }, null],
      [{ content: 'There are **3**' }, null],
      [{ content: ' "r"s in strawberry.\n\nst**r**awbe**rr**y' }, null],
      [{}, 'stop'],
    ],
  );
  for (const chunk of chunks) {
    t.is(chunk.id, 'chatcmpl-stream');
    t.is(chunk.object, 'chat.completion.chunk');
    t.is(chunk.model, 'gemini-3-pro-preview');
    t.false('usage' in chunk);
  }
});

test('reasoning fixtures: the trailing signed empty part adds nothing; final usage is kept on the converter', (t) => {
  for (const [name, text, thoughts] of [
    ['google-reasoning', 'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.', 256],
    ['google-reasoning-gemini3', 'There are **3** "r"s in strawberry.\n\nSt**r**awbe**rr**y', 302],
  ] as const) {
    const { chunks, converter } = run(fixtureChunks(name));
    t.is(contentOf(chunks), text, name);
    t.is(chunks.at(-1)!.choices[0]!.finish_reason, 'stop', name);
    t.is(converter.usage!.reasoning, thoughts, name);
    t.is(converter.usage!.prompt, 9, name);
  }
});

test('include_usage: a final choices:[] chunk with the last usage, and usage:null on the others', (t) => {
  const { chunks } = run(fixtureChunks('google-text'), { includeUsage: true });
  const last = chunks.at(-1)!;
  t.deepEqual(last.choices, []);
  t.deepEqual(last.usage, {
    prompt_tokens: 9,
    completion_tokens: 23 + 185,
    total_tokens: 217,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 185, audio_tokens: 0 },
  });
  for (const chunk of chunks.slice(0, -1)) t.is(chunk.usage, null);
  t.is(chunks.at(-2)!.choices[0]!.finish_reason, 'stop');
});

test('google-tool-call chunks (2.5-style and Gemini 3): one complete call at index 0, signature in its id, finish tool_calls', (t) => {
  for (const name of ['google-tool-call', 'google-tool-call-gemini3']) {
    const raw = fixtureChunks(name) as { candidates: { content: { parts: { thoughtSignature?: string }[] } }[] }[];
    const { chunks } = run(raw);
    const calls = toolCallsOf(chunks);
    t.is(calls.length, 1, name);
    t.is(calls[0]!.index, 0);
    t.is(calls[0]!.type, 'function');
    t.deepEqual(calls[0]!.function, { name: 'weather', arguments: '{"location":"San Francisco"}' });
    t.is(decodeToolCallId(calls[0]!.id).thoughtSignature, raw[0]!.candidates[0]!.content.parts[0]!.thoughtSignature, name);
    t.is(chunks.at(-1)!.choices[0]!.finish_reason, 'tool_calls', name);
    t.is(contentOf(chunks), '', name);
  }
});

test('parallel calls in one Gemini chunk get running indexes and distinct ids', (t) => {
  const { chunks } = run([
    {
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Checking.' },
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'AAAA' },
              { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
            ],
          },
          index: 0,
        },
      ],
    },
    { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] }, index: 0 }] },
    { candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP', index: 0 }] },
  ]);
  const calls = toolCallsOf(chunks);
  t.deepEqual(
    calls.map((call) => [call.index, call.function.name, call.function.arguments]),
    [
      [0, 'get_weather', '{"city":"Paris"}'],
      [1, 'get_weather', '{"city":"Rome"}'],
      [2, 'get_time', '{}'],
    ],
  );
  t.is(new Set(calls.map((call) => call.id)).size, 3);
  t.is(contentOf(chunks), 'Checking.');
  // Each call complete in its own delta.
  for (const chunk of chunks) t.true((chunk.choices[0]?.delta.tool_calls?.length ?? 0) <= 1);
});

test('Vertex no-args stream: the thought is reasoning, read_theme has {} and three read_screen calls are assembled whole', (t) => {
  const { chunks, completed } = run(fixtureChunks('google-stream-no-args-tool-call'));
  t.true(completed);
  const reasoning = chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? '').join('');
  t.true(reasoning.startsWith('**Processing User Requests**'));
  t.deepEqual(
    toolCallsOf(chunks).map((call) => [call.index, call.function.name, call.function.arguments]),
    [
      [0, 'read_theme', '{}'],
      [1, 'read_screen', '{"id":"A"}'],
      [2, 'read_screen', '{"id":"B"}'],
      [3, 'read_screen', '{"id":"C"}'],
    ],
  );
  t.is(chunks.at(-1)!.choices[0]!.finish_reason, 'tool_calls');
  const hidden = run(fixtureChunks('google-stream-no-args-tool-call'), { showThinking: false });
  t.false(hidden.chunks.some((chunk) => chunk.choices[0]?.delta.reasoning_content !== undefined));
});

test('Vertex streamed arguments: split strings joined, nested paths built, a missing terminator closed by the finish', (t) => {
  const two = toolCallsOf(run(fixtureChunks('google-stream-tool-call-arguments')).chunks);
  t.deepEqual(
    two.map((call) => [call.function.name, JSON.parse(call.function.arguments) as unknown]),
    [
      ['getWeather', { location: 'Boston' }],
      ['getWeather', { location: 'San Francisco' }],
    ],
  );
  t.truthy(decodeToolCallId(two[0]!.id).thoughtSignature);

  const array = toolCallsOf(run(fixtureChunks('google-stream-tool-call-array-arguments-missing-terminal-function-call')).chunks);
  t.is(array.length, 1);
  t.deepEqual(JSON.parse(array[0]!.function.arguments), {
    operations: [
      { action: 'add', description: 'Fresh red apple', itemid: 'apple_001', price: 0.5 },
      { action: 'add', description: 'Ripe yellow banana', itemid: 'banana_001', price: 0.3 },
    ],
  });

  const nested = toolCallsOf(run(fixtureChunks('google-vertex-stream-tool-call-arguments-nested.1')).chunks);
  t.is(nested.length, 1);
  const recipe = (JSON.parse(nested[0]!.function.arguments) as { recipe: { name: string; ingredients: { name: string; amount: string }[]; steps: string[] } }).recipe;
  t.is(recipe.name, 'Lasagna');
  t.is(recipe.ingredients.length, 10);
  t.deepEqual(recipe.ingredients[0], { amount: '16 oz', name: 'Lasagna noodles' });
  t.is(recipe.steps.length, 10);
  t.is(recipe.steps[1], 'Cook lasagna noodles according to package directions, drain and set aside.');
  t.is(recipe.steps[4], 'In a 9x13 baking dish, spread a thin layer of meat sauce.');
});

test('a stream that ends without any finishReason is not complete', (t) => {
  const lines = fixtureChunks('google-text');
  const { completed, chunks } = run(lines.slice(0, 2));
  t.false(completed);
  t.false(chunks.some((chunk) => chunk.choices[0]?.finish_reason));
  t.false(run([]).completed);
});

test('a blocked prompt streams a refusal and a content_filter finish', (t) => {
  const { chunks, completed } = run([{ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }]);
  t.true(completed);
  t.deepEqual(chunks[0]!.choices[0]!.delta, { role: 'assistant', content: '' });
  t.regex(chunks[1]!.choices[0]!.delta.refusal!, /blockReason: SAFETY/);
  t.is(chunks.at(-1)!.choices[0]!.finish_reason, 'content_filter');
});

test('MAX_TOKENS and SAFETY finishes are length and content_filter in streams too', (t) => {
  const finish = (reason: string) =>
    run([{ candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: reason, index: 0 }] }]).chunks.at(-1)!.choices[0]!.finish_reason;
  t.is(finish('MAX_TOKENS'), 'length');
  t.is(finish('SAFETY'), 'content_filter');
});

test('grounding in a stream: sources appended once before the finish, with annotations at their offsets', (t) => {
  const { chunks } = run([
    { candidates: [{ content: { role: 'model', parts: [{ text: 'Spain won ' }] }, index: 0 }] },
    {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: 'Euro 2024.' }] },
          finishReason: 'STOP',
          index: 0,
          groundingMetadata: { groundingChunks: [{ web: { uri: 'https://example.com/euro', title: 'example.com' } }] },
        },
      ],
    },
  ]);
  const content = contentOf(chunks);
  t.is(content, 'Spain won Euro 2024.\n\n**Sources:**\n1. [example.com](https://example.com/euro)\n');
  const annotations = chunks.flatMap((chunk) => chunk.choices[0]?.delta.annotations ?? []);
  t.is(annotations.length, 1);
  const { start_index: start, end_index: end } = annotations[0]!.url_citation;
  t.is(content.slice(start, end), '[example.com](https://example.com/euro)');
  t.is(chunks.at(-1)!.choices[0]!.finish_reason, 'stop');
  t.is(chunks.at(-1)!.choices[0]!.delta.content, undefined);
});

test('code execution parts stream as fenced content in order', (t) => {
  const { chunks } = run([
    { candidates: [{ content: { role: 'model', parts: [{ executableCode: { language: 'PYTHON', code: 'print(2+2)' } }] }, index: 0 }] },
    { candidates: [{ content: { role: 'model', parts: [{ codeExecutionResult: { outcome: 'OUTCOME_OK', output: '4' } }, { text: 'Four.' }] }, finishReason: 'STOP', index: 0 }] },
  ]);
  t.is(contentOf(chunks), '\n```python\nprint(2+2)\n```\n\n```output\n4\n```\nFour.');
});

test('several candidates stream as several choices, each with its role chunk and finish', (t) => {
  const { chunks, completed } = run([
    {
      candidates: [
        { content: { role: 'model', parts: [{ text: 'A' }] }, index: 0 },
        { content: { role: 'model', parts: [{ text: 'B' }] }, index: 1 },
      ],
    },
    {
      candidates: [
        { content: { role: 'model', parts: [{ text: '!' }] }, finishReason: 'STOP', index: 0 },
        { content: { role: 'model', parts: [{ text: '?' }] }, finishReason: 'STOP', index: 1 },
      ],
    },
  ]);
  t.true(completed);
  t.is(contentOf(chunks, 0), 'A!');
  t.is(contentOf(chunks, 1), 'B?');
  const finishes = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.finish_reason).map((choice) => choice.index));
  t.deepEqual(finishes, [0, 1]);
  const roles = chunks.flatMap((chunk) => chunk.choices.filter((choice) => choice.delta.role).map((choice) => choice.index));
  t.deepEqual(roles, [0, 1]);
});
