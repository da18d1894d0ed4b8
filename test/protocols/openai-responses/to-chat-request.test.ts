import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import type { ResponsesRequest } from '../../../src/protocols/openai-responses/request-schema.js';
import { toChatRequest } from '../../../src/protocols/openai-responses/to-chat-request.js';

const convert = (request: ResponsesRequest, history: Record<string, unknown>[] = []) => toChatRequest(request, history, 'claude-sonnet-4');

const refusal = (t: import('ava').ExecutionContext, request: ResponsesRequest) => {
  const error = t.throws(() => convert(request), { instanceOf: GatewayError });
  t.is(error?.status, 400);
  t.is((error as GatewayError).toBody().error.type, 'invalid_request_error');
  return error as GatewayError;
};

test('a string input with instructions becomes a system and a user message', (t) => {
  t.deepEqual(convert({ input: 'Hello', instructions: 'Be brief.' }), {
    model: 'claude-sonnet-4',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ],
  });
});

test('items: text and image parts, a developer message, an earlier assistant answer', (t) => {
  const chat = convert({
    input: [
      { role: 'developer', content: 'Answer in French.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Un chat.', annotations: [] }] },
      { role: 'user', content: 'Sûr ?' },
    ],
  });
  t.deepEqual(chat.messages, [
    { role: 'system', content: 'Answer in French.' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } }] },
    { role: 'assistant', content: 'Un chat.' },
    { role: 'user', content: 'Sûr ?' },
  ]);
});

test('parallel function calls are one assistant turn carrying the reasoning before them; their outputs are tool messages', (t) => {
  const chat = convert({
    input: [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Two cities, two calls.' }] },
      { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_a', output: '18°C' },
      { type: 'function_call_output', call_id: 'call_b', output: [{ type: 'input_text', text: '24°C' }] },
    ],
  });
  t.deepEqual(chat.messages.slice(1), [
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'Two cities, two calls.',
      tool_calls: [
        { id: 'call_a', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_b', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: '18°C' },
    { role: 'tool', tool_call_id: 'call_b', content: '24°C' },
  ]);
});

test('a function call after an assistant message joins its turn', (t) => {
  const chat = convert({
    input: [
      { role: 'user', content: 'x' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me look.' }] },
      { type: 'function_call', call_id: 'c1', name: 'look', arguments: '{}' },
    ],
  });
  t.deepEqual(chat.messages[1], { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'look', arguments: '{}' } }] });
});

test('the stored conversation comes before the new input, after the instructions', (t) => {
  const chat = convert({ input: 'And then?', instructions: 'Sys' }, [
    { type: 'message', role: 'user', content: 'Once upon a time' },
    { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'there was a gateway.', annotations: [], logprobs: [] }] },
  ]);
  t.deepEqual(chat.messages, [
    { role: 'system', content: 'Sys' },
    { role: 'user', content: 'Once upon a time' },
    { role: 'assistant', content: 'there was a gateway.' },
    { role: 'user', content: 'And then?' },
  ]);
});

test('tools, tool choice, reasoning effort, text format and sampling settings map to chat', (t) => {
  const chat = convert({
    input: 'x',
    tools: [{ type: 'function', name: 'weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true }],
    tool_choice: { type: 'function', name: 'weather' },
    parallel_tool_calls: false,
    reasoning: { effort: 'high' },
    text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
    max_output_tokens: 300,
    temperature: 0.2,
    top_p: 0.9,
    user: 'u-1',
    metadata: { a: 'b' },
    stream: true,
  });
  t.deepEqual(chat, {
    model: 'claude-sonnet-4',
    messages: [{ role: 'user', content: 'x' }],
    tools: [{ type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true } }],
    tool_choice: { type: 'function', function: { name: 'weather' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    reasoning_effort: 'high',
    max_tokens: 300,
    temperature: 0.2,
    top_p: 0.9,
    user: 'u-1',
    stream: true,
    stream_options: { include_usage: true },
  });
  t.deepEqual(convert({ input: 'x', text: { format: { type: 'json_object' } } }).response_format, { type: 'json_object' });
  t.is(convert({ input: 'x', text: { format: { type: 'text' } } }).response_format, undefined);
});

for (const type of ['web_search_preview', 'file_search', 'code_interpreter', 'computer_use_preview', 'image_generation', 'mcp', 'local_shell', 'custom']) {
  test(`the tool type ${type} is refused with a 400 naming it`, (t) => {
    const error = refusal(t, { input: 'x', tools: [{ type: 'function', name: 'ok' }, { type }] });
    t.is(error.param, 'tools[1].type');
    t.is(error.code, 'unsupported_tool');
    t.true(error.message.includes(`'${type}'`));
  });
}

test('input items and content only OpenAI understands are refused with the item named', (t) => {
  t.is(refusal(t, { input: [{ type: 'item_reference', id: 'msg_1' }] }).param, 'input[0].type');
  t.is(refusal(t, { input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }).param, 'input[0].content[0]');
  t.is(refusal(t, { input: [{ role: 'user', content: [{ type: 'input_file', file_data: 'x' }] }] }).param, 'input[0].content[0].type');
  t.is(refusal(t, { input: [{ role: 'robot', content: 'x' }] }).param, 'input[0].role');
  t.is(refusal(t, { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }).param, 'input[0].call_id');
  t.is(refusal(t, { input: 'x', tool_choice: { type: 'web_search_preview' } }).param, 'tool_choice.type');
  t.is(refusal(t, { input: [] }).param, 'input');
  t.is(refusal(t, { input: 'x', text: { format: { type: 'json_schema' } } }).param, 'text.format.name');
});
