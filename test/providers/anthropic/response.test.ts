import { readdirSync } from 'node:fs';
import test from 'ava';
import { UpstreamError } from '../../../src/core/errors.js';
import { toChatCompletion } from '../../../src/providers/anthropic/response.js';
import { parseToolCallId } from '../../../src/providers/anthropic/tool-call-id.js';
import { anthropicMessageResponseSchema } from '../../../src/providers/anthropic/wire.js';
import { fixturePath, readJsonFixture } from '../../helpers/fixtures.js';

const convertFixture = (name: string) =>
  toChatCompletion(anthropicMessageResponseSchema.parse(readJsonFixture(`anthropic/${name}.json`)), { provider: 'anthropic', created: 1_700_000_000 });

test('a text message becomes a chat.completion with content, finish_reason stop and usage', (t) => {
  t.deepEqual(convertFixture('anthropic-text'), {
    id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'claude-sonnet-4-5-20250929',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
          refusal: null,
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 29, total_tokens: 41, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
});

test('text and a tool_use without input become content and a tool call with "{}" arguments', (t) => {
  const { message, finish_reason } = convertFixture('anthropic-tool-no-args').choices[0];
  t.regex(message.content ?? '', /^<thinking>\nThe updateIssueList tool/);
  t.deepEqual(message.tool_calls, [{ id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', type: 'function', function: { name: 'updateIssueList', arguments: '{}' } }]);
  t.is(finish_reason, 'tool_calls');
});

test('a tool-only answer has null content and its input as JSON arguments', (t) => {
  const completion = convertFixture('anthropic-json-tool.1');
  const { message } = completion.choices[0];
  t.is(message.content, null);
  t.deepEqual(JSON.parse(message.tool_calls![0]!.function.arguments), readJsonFixture<{ content: { input: unknown }[] }>('anthropic/anthropic-json-tool.1.json').content[0]!.input);
  t.deepEqual(convertFixture('anthropic-json-other-tool.1').choices[0].message.tool_calls?.map((call) => call.function), [{ name: 'weather', arguments: '{"location":"San Francisco"}' }]);
  t.deepEqual(convertFixture('anthropic-memory-20250818.1').choices[0].message.tool_calls?.map((call) => call.function.name), ['memory']);
});

test('thinking becomes reasoning_content; without tool calls its signature goes nowhere', (t) => {
  const completion = convertFixture('anthropic-clear-thinking.1');
  const { message } = completion.choices[0];
  t.is(message.reasoning_content, '925 divided by 5 = 185');
  t.is(message.content, '925 ÷ 5 = 185');
  t.false(JSON.stringify(completion).includes('Er4BCkYICxgCKkCox'));
});

test('thinking tokens are reported as reasoning tokens', (t) => {
  const completion = convertFixture('anthropic-claude-opus-5-reasoning-high.1');
  t.deepEqual(completion.usage, {
    prompt_tokens: 51,
    completion_tokens: 1699,
    total_tokens: 1750,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 139, audio_tokens: 0 },
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  });
  t.regex(completion.choices[0].message.reasoning_content ?? '', /^I need to find all roots/);
});

test('a refusal has no content, the explanation as refusal and finish_reason content_filter', (t) => {
  const { message, finish_reason } = convertFixture('anthropic-refusal').choices[0];
  t.deepEqual(message, {
    role: 'assistant',
    content: null,
    refusal: "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
  });
  t.is(finish_reason, 'content_filter');
  t.is(convertFixture('anthropic-refusal-no-details').choices[0].message.refusal, null);
});

test('server tools leave no tool calls and their results no text; the text blocks are joined', (t) => {
  const fixture = readJsonFixture<{ content: { type: string; text?: string }[] }>('anthropic/anthropic-web-search-tool.1.json');
  const { message, finish_reason } = convertFixture('anthropic-web-search-tool.1').choices[0];
  t.is(message.tool_calls, undefined);
  t.is(message.content, fixture.content.filter((block) => block.type === 'text').map((block) => block.text).join(''));
  t.is(finish_reason, 'stop');
});

test('tool calls made by executed code are not client tool calls', (t) => {
  const { message, finish_reason } = convertFixture('anthropic-programmatic-tool-calling.1').choices[0];
  t.is(message.tool_calls, undefined);
  t.is(finish_reason, 'stop');
  t.regex(message.content ?? '', /Game Over/);
});

test('a client tool after a server tool search keeps its place as the only tool call', (t) => {
  const { message, finish_reason } = convertFixture('anthropic-tool-search-regex.1').choices[0];
  t.deepEqual(message.tool_calls?.map((call) => call.function.name), ['get_temp_data']);
  t.is(finish_reason, 'tool_calls');
});

test('every recorded message converts, with tool calls exactly when finish_reason says tool_calls', (t) => {
  const names = readdirSync(fixturePath('anthropic')).filter((name) => name.endsWith('.json'));
  t.true(names.length >= 25);
  for (const name of names) {
    const completion = convertFixture(name.replace(/\.json$/, ''));
    const [choice] = completion.choices;
    t.is(completion.object, 'chat.completion', name);
    t.is(choice.message.tool_calls !== undefined, choice.finish_reason === 'tool_calls', name);
    for (const call of choice.message.tool_calls ?? []) t.notThrows(() => JSON.parse(call.function.arguments), name);
    t.true(completion.usage.total_tokens >= completion.usage.prompt_tokens, name);
  }
});

test('thinking and redacted thinking before a tool call are carried in its id, in order', (t) => {
  const completion = toChatCompletion(
    {
      id: 'msg_1',
      model: 'claude-sonnet-4-5',
      stop_reason: 'tool_use',
      usage: { input_tokens: 5, output_tokens: 9 },
      content: [
        { type: 'thinking', thinking: 'Need the weather.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_01W', name: 'weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'toolu_01T', name: 'time', input: {} },
      ],
    },
    { provider: 'anthropic', created: 1 },
  );
  const { message } = completion.choices[0];
  t.is(message.reasoning_content, 'Need the weather.');
  t.is(message.content, 'Let me check.');
  t.deepEqual(parseToolCallId(message.tool_calls![0]!.id, 'id'), {
    toolUseId: 'toolu_01W',
    reasoning: [
      { type: 'thinking', thinking: 'Need the weather.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque' },
    ],
  });
  t.is(message.tool_calls![1]!.id, 'toolu_01T');
});

test('a malformed known block is an upstream protocol failure', (t) => {
  const error = t.throws(() =>
    toChatCompletion({ id: 'msg', model: 'm', content: [{ type: 'tool_use', name: 'no id' }], stop_reason: 'tool_use' }, { provider: 'anthropic', created: 1 }),
  );
  t.true(error instanceof UpstreamError);
  t.is((error as UpstreamError).status, 502);
});
