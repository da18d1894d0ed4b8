import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import { messagesRequestSchema } from '../../../src/protocols/anthropic-messages/request-schema.js';
import { toChatRequest } from '../../../src/protocols/anthropic-messages/to-chat-request.js';

const convert = (request: Record<string, unknown>) => toChatRequest(messagesRequestSchema.parse({ model: 'm', max_tokens: 100, ...request }), 'm');

test('images and PDFs become content parts; a tool result’s image follows in the user’s part of the turn', (t) => {
  const chat = convert({
    messages: [
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'done' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'report.pdf' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
    ],
  });
  t.deepEqual(chat.messages.slice(1), [
    { role: 'tool', tool_call_id: 't1', content: 'done' },
    {
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'report.pdf' } },
        { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
      ],
    },
  ]);
});

test('thinking blocks stay with Anthropic; an error result is marked; budgets map to efforts', (t) => {
  const chat = convert({
    thinking: { type: 'enabled', budget_tokens: 10_000 },
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }, { type: 'redacted_thinking', data: 'xx' }, { type: 'tool_use', id: 't', name: 'f', input: { a: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'boom', is_error: true }] },
    ],
  });
  t.is(chat.reasoning_effort, 'medium');
  t.deepEqual(chat.messages.slice(1), [
    { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
    { role: 'tool', tool_call_id: 't', content: 'Error: boom' },
  ]);
  t.is(convert({ thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'q' }] }).reasoning_effort, 'low');
  t.is(convert({ thinking: { type: 'enabled', budget_tokens: 32_000 }, messages: [{ role: 'user', content: 'q' }] }).reasoning_effort, 'high');
  t.is(convert({ thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'q' }] }).reasoning_effort, undefined);
});

test('Anthropic’s own tools and file references are refused with the field that names them', (t) => {
  const serverTool = t.throws(() => convert({ tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'q' }] }));
  t.true(serverTool instanceof GatewayError);
  t.like(serverTool, { status: 400, param: 'tools[0]', code: 'unsupported_tool' });
  const fileRef = t.throws(() => convert({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] }));
  t.like(fileRef, { status: 400, param: 'messages[0].content[0]' });
});

test('tool_choice, metadata, stop sequences and an output format map to their OpenAI fields', (t) => {
  const chat = convert({
    tools: [{ name: 'f', input_schema: { type: 'object' } }],
    tool_choice: { type: 'tool', name: 'f' },
    metadata: { user_id: 'u-1' },
    stop_sequences: ['###'],
    output_format: { type: 'json_schema', schema: { type: 'object' } },
    messages: [{ role: 'user', content: 'q' }],
  });
  t.like(chat, {
    tool_choice: { type: 'function', function: { name: 'f' } },
    user: 'u-1',
    stop: ['###'],
    response_format: { type: 'json_schema', json_schema: { name: 'output', schema: { type: 'object' }, strict: true } },
    max_tokens: 100,
  });
});
