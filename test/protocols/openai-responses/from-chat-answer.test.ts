import test from 'ava';
import { tokenUsage } from '../../../src/core/usage.js';
import { responseFromChatAnswer } from '../../../src/protocols/openai-responses/from-chat-answer.js';
import { readFixture } from '../../helpers/fixtures.js';

const frame = { id: 'resp_1', createdAt: 1_700_000_000, model: 'deepseek-reasoner', request: { input: 'x', store: false, temperature: 0.5 } };
const ids = () => {
  let next = 0;
  return (prefix: string) => `${prefix}_${++next}`;
};

test('a reasoning answer (DeepSeek recording): reasoning item, then the message; usage and request settings echoed', (t) => {
  const body = readFixture('deepseek/deepseek-reasoning.json');
  const chat = JSON.parse(body) as { choices: { message: { content: string; reasoning_content: string } }[] };
  const usage = tokenUsage({ prompt: 10, completion: 20, cached: 4, reasoning: 15 });
  const response = responseFromChatAnswer(body, usage, frame, ids()) as Record<string, any>;
  t.is(response.object, 'response');
  t.is(response.status, 'completed');
  t.is(response.store, false);
  t.is(response.temperature, 0.5);
  t.deepEqual(response.output, [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: chat.choices[0]!.message.reasoning_content }] },
    { id: 'msg_2', type: 'message', status: 'completed', content: [{ type: 'output_text', annotations: [], logprobs: [], text: chat.choices[0]!.message.content }], role: 'assistant' },
  ]);
  t.deepEqual(response.usage, { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 15 }, total_tokens: 30 });
});

test('tool calls (DeepSeek recording) become function_call items keeping their call ids', (t) => {
  const body = readFixture('deepseek/deepseek-tool-call.json');
  const chat = JSON.parse(body) as { choices: { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } }[] };
  const response = responseFromChatAnswer(body, undefined, frame, ids()) as Record<string, any>;
  const calls = response.output.filter((item: { type: string }) => item.type === 'function_call');
  t.deepEqual(
    calls.map((item: Record<string, string>) => [item.call_id, item.name, item.arguments, item.status]),
    chat.choices[0]!.message.tool_calls.map((call) => [call.id, call.function.name, call.function.arguments, 'completed']),
  );
  t.is(response.usage, null);
});
