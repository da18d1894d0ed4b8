import test from 'ava';
import { ollamaTokenUsage, toChatCompletion, toFinishReason, toOpenAILogprobs, toolCallId } from '../../../src/providers/ollama/response.js';
import { tokenUsage } from '../../../src/core/usage.js';
import { ollamaChatResponseSchema } from '../../../src/providers/ollama/wire.js';
import { readFixture } from '../../helpers/fixtures.js';

const identity = { id: 'chatcmpl-abc123', model: 'fallback-model' };
const parse = (text: string) => ollamaChatResponseSchema.parse(JSON.parse(text));

test('a plain answer becomes a chat.completion with content, finish reason, usage and Ollama’s created time', (t) => {
  const completion = toChatCompletion(parse(readFixture('ollama/chat-text.json')), identity);
  t.deepEqual(completion, {
    id: 'chatcmpl-abc123',
    object: 'chat.completion',
    created: Math.floor(Date.parse('2026-11-20T09:14:07.414Z') / 1000),
    model: 'llama3.1:8b',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hello! How can I help you today?', refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 11, completion_tokens: 10, total_tokens: 21 },
  });
});

test('thinking becomes reasoning_content; tool calls keep Ollama’s ids and get JSON-text arguments', (t) => {
  const completion = toChatCompletion(parse(readFixture('ollama/chat-thinking-tool-calls.json')), identity);
  const [choice] = completion.choices;
  t.is(choice?.finish_reason, 'tool_calls');
  t.deepEqual(choice?.message, {
    role: 'assistant',
    content: null,
    reasoning_content: 'The user wants the weather in two cities. I will call get_weather twice.',
    tool_calls: [
      { id: 'call_k3v9x2ab', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: 'call_7hq0m1zc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Zürich","unit":"celsius"}' } },
    ],
    refusal: null,
  });
  t.deepEqual(completion.usage, { prompt_tokens: 557, completion_tokens: 213, total_tokens: 770 });
});

test('tool calls without ids (older Ollama) get ids derived from the completion, distinct and repeatable', (t) => {
  const answer = parse(
    '{"model":"llama3.1:8b","created_at":"2024-07-22T20:33:28.123648Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"a","arguments":{"x":1}}},{"function":{"name":"b","arguments":{}}}]},"done_reason":"stop","done":true}',
  );
  const first = toChatCompletion(answer, identity);
  const second = toChatCompletion(answer, identity);
  const ids = first.choices[0]?.message.tool_calls?.map((call) => call.id);
  t.deepEqual(ids, ['call_abc123_0', 'call_abc123_1']);
  t.deepEqual(second.choices[0]?.message.tool_calls?.map((call) => call.id), ids);
  t.is(toolCallId('chatcmpl-zz', 3, undefined), 'call_zz_3');
  t.is(toolCallId('chatcmpl-zz', 3, 'call_given'), 'call_given');
});

test('text alongside tool calls stays; finish reason is still tool_calls', (t) => {
  const completion = toChatCompletion(
    parse('{"model":"m","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"Let me check.","tool_calls":[{"id":"call_1","function":{"index":0,"name":"f","arguments":{}}}]},"done":true,"done_reason":"stop"}'),
    identity,
  );
  t.is(completion.choices[0]?.message.content, 'Let me check.');
  t.is(completion.choices[0]?.finish_reason, 'tool_calls');
});

test('arguments that arrive as JSON text (Ollama-speaking proxies) pass as they are', (t) => {
  const completion = toChatCompletion(
    parse('{"message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":"{\\"a\\":1}"}}]},"done":true}'),
    identity,
  );
  t.is(completion.choices[0]?.message.tool_calls?.[0]?.function.arguments, '{"a":1}');
});

test('done_reason maps to finish_reason: length stays, the rest is stop, tool calls win', (t) => {
  t.is(toFinishReason('length', false), 'length');
  t.is(toFinishReason('stop', false), 'stop');
  t.is(toFinishReason('load', false), 'stop');
  t.is(toFinishReason('unload', false), 'stop');
  t.is(toFinishReason(undefined, false), 'stop');
  t.is(toFinishReason('stop', true), 'tool_calls');
  t.is(toFinishReason('length', true), 'tool_calls');
});

test('usage counts default to zero when Ollama leaves them out (a cached prompt)', (t) => {
  t.deepEqual(ollamaTokenUsage(parse('{"done":true,"eval_count":5}')), tokenUsage({ completion: 5 }));
  t.deepEqual(ollamaTokenUsage(parse('{"done":true}')), tokenUsage({}));
});

test('missing model, created_at and message fall back to the call’s model, now and empty content', (t) => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const completion = toChatCompletion(parse('{"done":true}'), identity, now);
  t.is(completion.model, 'fallback-model');
  t.is(completion.created, now / 1000);
  t.is(completion.choices[0]?.message.content, '');
});

test('log probabilities become OpenAI’s choice logprobs', (t) => {
  t.is(toOpenAILogprobs(undefined), null);
  t.is(toOpenAILogprobs([]), null);
  t.deepEqual(
    toOpenAILogprobs([
      { token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.1, bytes: [72, 105] }, { token: 'Hey', logprob: -2.5 }] },
      { token: '!', logprob: -0.01 },
    ]),
    {
      content: [
        {
          token: 'Hi',
          logprob: -0.1,
          bytes: [72, 105],
          top_logprobs: [
            { token: 'Hi', logprob: -0.1, bytes: [72, 105] },
            { token: 'Hey', logprob: -2.5, bytes: null },
          ],
        },
        { token: '!', logprob: -0.01, bytes: null, top_logprobs: [] },
      ],
      refusal: null,
    },
  );
});
