import test from 'ava';
import { parseRetryAfter, readErrorFields, upstreamErrorFromResponse, upstreamErrorFromStreamPayload } from '../../../src/providers/openai-compatible/errors.js';
import { readFixture } from '../../helpers/fixtures.js';

test('OpenAI error bodies keep message, type, code and param', (t) => {
  const error = upstreamErrorFromResponse('openai', 400, {}, readFixture('openai/reasoning-model-temperature-error.json'), undefined);
  t.is(error.status, 400);
  t.is(error.kind, 'http');
  t.is(error.provider, 'openai');
  t.deepEqual(error.toBody(), JSON.parse(readFixture('openai/reasoning-model-temperature-error.json')) as unknown);
});

test('other error body styles are understood', (t) => {
  t.deepEqual(readErrorFields('{"error":"model overloaded","type":"server"}'), { message: 'model overloaded', type: 'server', code: undefined });
  t.deepEqual(readErrorFields('{"detail":"Not authenticated"}'), { message: 'Not authenticated', type: undefined, code: undefined });
  t.deepEqual(readErrorFields('{"detail":[{"loc":["body"],"msg":"bad"}]}').message, '[{"loc":["body"],"msg":"bad"}]');
  t.deepEqual(readErrorFields('{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED"}}'), {
    message: 'quota',
    type: 'RESOURCE_EXHAUSTED',
    code: '429',
    param: undefined,
  });
  t.deepEqual(readErrorFields('<html><h1>Bad Gateway</h1></html>'), { message: 'Bad Gateway' });
  t.deepEqual(readErrorFields(''), {});
});

test('a missing message is replaced by a clear one; odd statuses become 502', (t) => {
  t.is(upstreamErrorFromResponse('x', 418, {}, '', undefined).message, 'Upstream x answered HTTP 418.');
  t.is(upstreamErrorFromResponse('x', 302, {}, '', undefined).status, 502);
});

test('the key used and key-shaped strings are removed from messages', (t) => {
  const key = 'custom-key-without-known-prefix-1234';
  const error = upstreamErrorFromResponse('x', 401, {}, JSON.stringify({ error: { message: `bad ${key} and AIzaSyA1234567890abcdefghijklmnopqrstuv` } }), key);
  t.is(error.message, 'bad [redacted] and [redacted]');
});

test('Retry-After in seconds, as a date, or in milliseconds', (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  t.is(parseRetryAfter({ 'retry-after': '20' }, now), 20_000);
  t.is(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now), 30_000);
  t.is(parseRetryAfter({ 'retry-after-ms': '1500' }, now), 1500);
  t.is(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
  t.is(parseRetryAfter({}, now), undefined);
  const error = upstreamErrorFromResponse('x', 429, { 'retry-after': '2.5' }, '{}', undefined);
  t.is(error.retryAfterMs, 2500);
  t.is(error.headers['Retry-After'], '3');
});

test('an error inside a stream takes its status from a numeric code', (t) => {
  t.is(upstreamErrorFromStreamPayload('x', '{"error":{"message":"overloaded","code":503}}', undefined).status, 503);
  t.is(upstreamErrorFromStreamPayload('x', '{"error":{"message":"oops","type":"server_error"}}', undefined).status, 502);
});
