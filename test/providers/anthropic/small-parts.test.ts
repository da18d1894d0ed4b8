import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import { DEFAULT_ADAPTIVE_THINKING_MODELS, resolveAnthropicOptions } from '../../../src/providers/anthropic/options.js';
import { closeObjectSchemas } from '../../../src/providers/anthropic/output-format.js';
import { parseToolCallId, toolCallIdCarrying } from '../../../src/providers/anthropic/tool-call-id.js';
import { UpstreamHttp } from '../../../src/upstream/http-client.js';

test('a tool-call id round-trips its reasoning blocks and stays a plain id without them', (t) => {
  const reasoning = [
    { type: 'thinking' as const, thinking: 'Ünïcode and "quotes"\n', signature: 'EqQBCgIYAhIM+/==' },
    { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3va3pzix' },
  ];
  const id = toolCallIdCarrying('toolu_01ABC', reasoning);
  t.regex(id, /^toolu_01ABC~t1~[A-Za-z0-9_-]+$/, 'only characters that survive any client');
  t.deepEqual(parseToolCallId(id, 'p'), { toolUseId: 'toolu_01ABC', reasoning });
  t.is(toolCallIdCarrying('toolu_01ABC', []), 'toolu_01ABC');
  t.deepEqual(parseToolCallId('call_abc123', 'p'), { toolUseId: 'call_abc123', reasoning: [] });
});

test('a carrier id whose payload is not reasoning blocks is refused', (t) => {
  const notBlocks = `toolu_1~t1~${Buffer.from('[{"type":"text","text":"x"}]').toString('base64url')}`;
  const error = t.throws(() => parseToolCallId(notBlocks, 'messages[1].tool_calls[0].id'));
  t.true(error instanceof GatewayError);
  t.is((error as GatewayError).status, 400);
  t.throws(() => parseToolCallId('toolu_1~t1~notbase64json', 'p'));
});

test('object schemas are closed at every depth; other keywords and closed or open ones are left as they are', (t) => {
  t.deepEqual(
    closeObjectSchemas({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } } },
        either: { anyOf: [{ type: 'object', properties: {} }, { type: 'null' }] },
        open: { type: 'object', additionalProperties: true },
        ref: { $ref: '#/$defs/node' },
      },
      $defs: { node: { type: ['object', 'null'], properties: { v: { type: 'integer', minimum: 0 } } } },
    }),
    {
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } },
        either: { anyOf: [{ type: 'object', properties: {}, additionalProperties: false }, { type: 'null' }] },
        open: { type: 'object', additionalProperties: true },
        ref: { $ref: '#/$defs/node' },
      },
      $defs: { node: { type: ['object', 'null'], properties: { v: { type: 'integer', minimum: 0 } }, additionalProperties: false } },
      additionalProperties: false,
    },
  );
});

test('adaptive thinking is assumed for Claude 4.6 and later generations only', (t) => {
  const adaptive = (model: string) => DEFAULT_ADAPTIVE_THINKING_MODELS.some((pattern) => pattern.test(model));
  for (const model of ['claude-opus-4-6', 'claude-sonnet-4-6-20260217', 'claude-opus-4-7', 'claude-opus-5', 'claude-fable-5', 'claude-opus-5-20261001']) {
    t.true(adaptive(model), model);
  }
  for (const model of ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5', 'claude-opus-4-1-20250805', 'claude-sonnet-4-20250514', 'claude-3-7-sonnet-20250219', 'claude-3-5-haiku-latest']) {
    t.false(adaptive(model), model);
  }
});

test('options: defaults, a base URL with /v1 or a slash, and values a configuration could get wrong', (t) => {
  const http = new UpstreamHttp(1000);
  const resolved = resolveAnthropicOptions({ id: 'anthropic', http });
  t.is(resolved.baseUrl, 'https://api.anthropic.com');
  t.is(resolved.defaultMaxTokens, 4096);
  t.is(resolved.anthropicVersion, '2023-06-01');
  t.is(resolved.thinkingBudgets.medium, 8192);
  t.is(resolveAnthropicOptions({ id: 'a', http, baseUrl: 'https://proxy.example/anthropic/v1/' }).baseUrl, 'https://proxy.example/anthropic');
  t.is(resolveAnthropicOptions({ id: 'a', http, thinkingBudgets: { high: 20000 } }).thinkingBudgets.high, 20000);
  t.throws(() => resolveAnthropicOptions({ id: 'a', http, thinkingBudgets: { low: 500 } }), { message: /at least 1024/ });
  t.throws(() => resolveAnthropicOptions({ id: 'a', http, defaultMaxTokens: 0 }), { message: /defaultMaxTokens/ });
  http.close();
});
