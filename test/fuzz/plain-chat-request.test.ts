import test from 'ava';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { chatCompletionRequestSchema, isPlainChatRequest } from '../../src/core/openai-schemas.js';

// The fast check of plain chat requests stands in for the schema only where the schema would accept the request
// as it is: whatever it says yes to, the schema accepts and gives back unchanged.

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? 20261206 : process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED);
const settings = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

const anyValue = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 5 }), fc.constant(2 ** 53), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 6 }), fc.constant([]), fc.constant({}));
const role = fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function', 'robot', 7);
const message = fc.oneof(
  { weight: 6, arbitrary: fc.record({ role: fc.constantFrom('system', 'developer', 'user', 'assistant'), content: fc.string({ maxLength: 10 }) }, { noNullPrototype: true }) },
  { weight: 1, arbitrary: fc.record({ role, content: fc.oneof(fc.string({ maxLength: 10 }), anyValue) }, { noNullPrototype: true }) },
  { weight: 1, arbitrary: fc.record({ role, content: fc.string({ maxLength: 10 }), name: anyValue }, { requiredKeys: ['role'], noNullPrototype: true }) },
  { weight: 1, arbitrary: anyValue },
);
const field = fc.constantFrom('model', 'stream', 'temperature', 'top_p', 'n', 'max_tokens', 'max_completion_tokens', 'user', 'reasoning_effort', 'logprobs', 'stop', 'seed', 'tools', 'presence_penalty', 'metadata', 'store', 'x_custom');
const body = fc.record(
  {
    messages: fc.oneof({ weight: 5, arbitrary: fc.array(message, { maxLength: 3 }) }, { weight: 1, arbitrary: anyValue }),
    extra: fc.dictionary(field, anyValue, { maxKeys: 3, noNullPrototype: true }),
  },
  { requiredKeys: [] },
).map(({ messages, extra }) => (messages === undefined ? { ...extra } : { ...extra, messages }));

test('a request the fast check calls plain is one the schema accepts and returns unchanged', (t) => {
  let plain = 0;
  fc.assert(
    fc.property(body, (candidate) => {
      if (!isPlainChatRequest(candidate)) return true;
      plain += 1;
      const parsed = chatCompletionRequestSchema.safeParse(candidate);
      return parsed.success && isDeepStrictEqual(parsed.data, candidate);
    }),
    settings,
  );
  t.true(plain > RUNS / 50, `only ${plain} plain requests were generated`);
});

test('the common request is plain; tools, parts, options objects and mistakes are left to the schema', (t) => {
  const messages = [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }];
  t.true(isPlainChatRequest({ model: 'gpt-4o', messages, temperature: 0.2, stream: true, max_tokens: 100, user: 'u1', custom_field: { kept: true } }));
  for (const notPlain of [
    { model: 'gpt-4o', messages, tools: [] },
    { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] },
    { model: 'gpt-4o', messages, stream_options: { include_usage: true } },
    { model: 'gpt-4o', messages: [{ role: 'tool', content: 'x', tool_call_id: 'a' }] },
    { model: 'gpt-4o', messages, max_tokens: 0 },
    { model: 'gpt-4o', messages, temperature: '0.2' },
    { model: '', messages },
    { model: 'gpt-4o', messages: [] },
    { model: 'gpt-4o' },
    [messages],
    null,
  ]) {
    t.false(isPlainChatRequest(notPlain), JSON.stringify(notPlain));
  }
});
