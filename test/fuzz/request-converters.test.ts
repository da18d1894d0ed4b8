import test from 'ava';
import fc from 'fast-check';
import { GatewayError } from '../../src/core/errors.js';
import { chatCompletionRequestSchema } from '../../src/core/openai-schemas.js';
import { toAnthropicRequest } from '../../src/providers/anthropic/request.js';
import { DEFAULT_THINKING_BUDGETS } from '../../src/providers/anthropic/thinking.js';
import { toGeminiRequest } from '../../src/providers/gemini/request.js';
import { toOllamaChatRequest } from '../../src/providers/ollama/request.js';
import { messagesRequestSchema } from '../../src/protocols/anthropic-messages/request-schema.js';
import { toChatRequest } from '../../src/protocols/anthropic-messages/to-chat-request.js';

// Every request converter, on arbitrary requests that pass the gateway's schema (and near-valid ones), either
// converts or refuses with a GatewayError (a clear 4xx): never a TypeError, never a crash.

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED === undefined ? 20261205 : process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED);
const settings = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

const text = fc.string({ maxLength: 20 });
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const name = fc.stringMatching(/^[a-z_]{1,10}$/);
const dataUrl = fc.constantFrom('data:image/png;base64,iVBORw0KGgo=', 'data:image/jpeg;base64,/9j/4AAQ', 'data:application/pdf;base64,JVBERi0=', 'data:text/plain;base64,aGk=');
const jsonArgs = fc.oneof(fc.json(), text);

const chatPart = fc.oneof(
  text.map((value) => ({ type: 'text', text: value })),
  dataUrl.map((url) => ({ type: 'image_url', image_url: { url } })),
  fc.constantFrom('input_audio', 'file', 'refusal', 'unknown_part').map((type) => ({ type })),
);
const content = fc.oneof(text, fc.array(chatPart, { maxLength: 3 }));
const toolCall = fc.record({ id, type: fc.constant('function'), function: fc.record({ name, arguments: jsonArgs }) });
const chatMessage = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer', 'user'), content }),
  fc.record({ role: fc.constant('assistant'), content: fc.option(content, { nil: null }), tool_calls: fc.option(fc.array(toolCall, { maxLength: 3 }), { nil: undefined }), reasoning_content: fc.option(text, { nil: undefined }) }),
  fc.record({ role: fc.constant('tool'), content, tool_call_id: id }),
);
const schemaLike = fc.oneof(fc.constant({ type: 'object', properties: { a: { type: 'string' } } }), fc.dictionary(name, fc.json()));
const tool = fc.record({ type: fc.constantFrom('function', 'web_search', 'custom'), function: fc.record({ name, description: fc.option(text, { nil: undefined }), parameters: fc.option(schemaLike, { nil: undefined }) }) });

const chatRequest = fc
  .record(
    {
      model: fc.constant('m'),
      messages: fc.array(chatMessage, { minLength: 1, maxLength: 6 }),
      stream: fc.boolean(),
      temperature: fc.double({ min: -1, max: 3, noNaN: true }),
      top_p: fc.double({ min: 0, max: 1, noNaN: true }),
      max_tokens: fc.integer({ min: 1, max: 100_000 }),
      stop: fc.oneof(text, fc.array(text, { maxLength: 5 })),
      tools: fc.array(tool, { maxLength: 3 }),
      tool_choice: fc.oneof(fc.constantFrom('none', 'auto', 'required'), name.map((value) => ({ type: 'function', function: { name: value } }))),
      response_format: fc.oneof(fc.constant({ type: 'json_object' }), schemaLike.map((schema) => ({ type: 'json_schema', json_schema: { name: 'out', schema } }))),
      reasoning_effort: fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'bogus'),
      n: fc.integer({ min: 1, max: 3 }),
    },
    { requiredKeys: ['model', 'messages'] },
  )
  .filter((request) => chatCompletionRequestSchema.safeParse(request).success)
  .map((request) => chatCompletionRequestSchema.parse(request));

/** Runs `convert`; a GatewayError in the 4xx range is a fine outcome, anything else thrown fails the property. */
async function convertsOrRefuses(convert: () => unknown): Promise<boolean> {
  try {
    await convert();
    return true;
  } catch (error) {
    if (error instanceof GatewayError && error.status >= 400 && error.status < 500) return true;
    throw error;
  }
}

const noFetch = async () => {
  throw new GatewayError(400, 'media fetching is off in this test');
};

test('OpenAI chat → Anthropic, Gemini and Ollama requests: converted or refused with a 4xx, never thrown otherwise', async (t) => {
  await fc.assert(
    fc.asyncProperty(chatRequest, async (request) => {
      t.true(await convertsOrRefuses(() => toAnthropicRequest(request, 'claude-sonnet-4-5', { defaultMaxTokens: 4096, thinkingBudgets: DEFAULT_THINKING_BUDGETS, adaptiveThinking: false })));
      t.true(await convertsOrRefuses(() => toGeminiRequest(request, { model: 'gemini-2.5-flash', search: false, nonThinking: false, image: false }, { showThinking: true, codeExecution: false, urlContext: false, thinkingBudgetMap: {}, fetchMedia: noFetch })));
      t.true(await convertsOrRefuses(() => toOllamaChatRequest(request, 'llama3', noFetch)));
    }),
    settings,
  );
});

const block = fc.oneof(
  text.map((value) => ({ type: 'text', text: value })),
  dataUrl.map((url) => ({ type: 'image', source: { type: 'base64', media_type: url.slice(5, url.indexOf(';')), data: url.slice(url.indexOf(',') + 1) } })),
  fc.record({ type: fc.constant('document'), source: fc.oneof(fc.record({ type: fc.constant('url'), url: fc.constant('https://example.com/a.pdf') }), fc.record({ type: fc.constant('file'), file_id: id })) }),
  fc.record({ type: fc.constant('tool_use'), id, name, input: fc.json().map((value) => JSON.parse(value) as unknown) }),
  fc.record({ type: fc.constant('tool_result'), tool_use_id: id, content: fc.oneof(text, fc.array(text.map((value) => ({ type: 'text', text: value })), { maxLength: 2 })), is_error: fc.boolean() }),
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: text }),
  fc.constantFrom('server_tool_use', 'search_result', 'container_upload').map((type) => ({ type })),
);
const messagesRequest = fc.record(
  {
    model: fc.constant('m'),
    max_tokens: fc.integer({ min: 1, max: 64_000 }),
    messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.oneof(text, fc.array(block, { maxLength: 4 })) }), { maxLength: 6 }),
    system: fc.oneof(text, fc.array(text.map((value) => ({ type: 'text', text: value })), { maxLength: 2 })),
    tools: fc.array(fc.record({ type: fc.option(fc.constantFrom('custom', 'web_search_20250305', 'bash_20250124'), { nil: undefined }), name, input_schema: schemaLike }), { maxLength: 3 }),
    tool_choice: fc.oneof(fc.constant({ type: 'auto' }), fc.constant({ type: 'any', disable_parallel_tool_use: true }), name.map((value) => ({ type: 'tool', name: value })), fc.constant({ type: 'none' })),
    thinking: fc.oneof(fc.integer({ min: 1024, max: 64_000 }).map((budget) => ({ type: 'enabled', budget_tokens: budget })), fc.constant({ type: 'disabled' }), fc.constant({ type: 'adaptive' })),
    stop_sequences: fc.array(text, { maxLength: 3 }),
    stream: fc.boolean(),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

test('Anthropic Messages → chat request: converted into a request the chat schema accepts, or refused with a 4xx', async (t) => {
  await fc.assert(
    fc.asyncProperty(messagesRequest, async (raw) => {
      const parsed = messagesRequestSchema.safeParse(raw);
      if (!parsed.success) return;
      let converted: unknown;
      t.true(await convertsOrRefuses(() => (converted = toChatRequest(parsed.data, 'm'))));
      if (converted !== undefined && (converted as { messages: unknown[] }).messages.length > 0) {
        const check = chatCompletionRequestSchema.safeParse(converted);
        t.true(check.success, JSON.stringify(check.error?.issues));
      }
    }),
    settings,
  );
});
