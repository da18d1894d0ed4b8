import test from 'ava';
import { GatewayError, UpstreamError } from '../../src/core/errors.js';
import { fallbackReason } from '../../src/routing/fallback-reason.js';

const upstream = (status: number, message: string, code: string | null = null) => new UpstreamError('p', 'http', status, message, { code });

test('context-window refusals as OpenAI, Anthropic and Gemini word them', (t) => {
  t.is(fallbackReason(upstream(400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", 'context_length_exceeded'), [400]), 'context_window');
  t.is(fallbackReason(upstream(400, 'prompt is too long: 210000 tokens > 200000 maximum'), [400]), 'context_window');
  t.is(fallbackReason(upstream(400, 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'), [400]), 'context_window');
});

test('content-policy refusals', (t) => {
  t.is(fallbackReason(upstream(400, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", 'content_filter'), [400]), 'content_policy');
  t.is(fallbackReason(upstream(400, 'Your request was rejected as a result of our safety system.', 'content_policy_violation'), [400]), 'content_policy');
});

test('rate limits only when every attempt was limited; outages and timeouts are errors', (t) => {
  t.is(fallbackReason(upstream(429, 'slow down'), [429, 429]), 'rate_limit');
  t.is(fallbackReason(new GatewayError(503, 'All 2 upstream keys are unavailable.', { code: 'upstream_keys_unavailable' }), [429, 429]), 'rate_limit');
  t.is(fallbackReason(new GatewayError(429, 'Every upstream key is at its rate limit.', { code: 'upstream_keys_at_limit' }), []), 'rate_limit');
  t.is(fallbackReason(upstream(429, 'slow down'), [500, 429]), 'error');
  t.is(fallbackReason(upstream(503, 'overloaded'), [503]), 'error');
  t.is(fallbackReason(new UpstreamError('p', 'timeout', 504, 'timed out'), [504]), 'error');
  t.is(fallbackReason(new Error('socket hang up'), []), 'error');
});

test('a client’s own mistake has no fallback', (t) => {
  t.is(fallbackReason(upstream(400, "Invalid value for 'temperature'"), [400]), undefined);
  t.is(fallbackReason(upstream(404, 'model not found'), [404]), undefined);
  t.is(fallbackReason(upstream(401, 'bad key'), [401]), undefined);
});
