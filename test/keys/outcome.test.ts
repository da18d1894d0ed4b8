import test from 'ava';
import { GatewayError, UpstreamError, RequestAbortedError } from '../../src/core/errors.js';
import { judgeFailure } from '../../src/keys/outcome.js';

const policy = { maxFailures: 3, rateLimitCooldownMs: 60_000, quotaCooldownMs: 3_600_000, transientRestMs: 30_000 };
const now = 1_000_000;
const http = (status: number, options: ConstructorParameters<typeof UpstreamError>[4] = {}) => new UpstreamError('p', 'http', status, `status ${status}`, options);

test('a bad-key answer counts against the key and is retried elsewhere', (t) => {
  for (const error of [http(401), http(403), http(400, { keyProblem: 'invalid' })]) {
    const verdict = judgeFailure(error, policy, now);
    t.is(verdict.outcome?.kind, 'rejected');
    t.true(verdict.retry);
  }
});

test('a 429 rests the key for Retry-After, or the default, and is retried elsewhere', (t) => {
  t.deepEqual(judgeFailure(http(429, { retryAfterMs: 2000 }), policy, now), {
    outcome: { kind: 'cooldown', status: 429, error: 'status 429', until: now + 2000 },
    retry: true,
  });
  t.deepEqual(judgeFailure(http(429), policy, now).outcome, { kind: 'cooldown', status: 429, error: 'status 429', until: now + 60_000 });
});

test('a spent quota rests the key longer', (t) => {
  t.deepEqual(judgeFailure(http(429, { keyProblem: 'quota_exhausted' }), policy, now).outcome, {
    kind: 'cooldown',
    status: 429,
    error: 'status 429',
    until: now + 3_600_000,
  });
});

test('5xx, timeouts, resets and broken answers are transient and retried', (t) => {
  for (const error of [
    http(500),
    http(503),
    new UpstreamError('p', 'timeout', 504, 'timed out'),
    new UpstreamError('p', 'connection', 502, 'reset'),
    new UpstreamError('p', 'protocol', 502, 'garbage'),
  ]) {
    const verdict = judgeFailure(error, policy, now);
    t.is(verdict.outcome?.kind, 'transient');
    t.true(verdict.retry);
  }
});

test("the client's own mistakes and aborts leave the key alone and are not retried", (t) => {
  for (const error of [http(400), http(404), http(413), http(422), new RequestAbortedError('gone'), new GatewayError(400, 'bad tool arguments'), new Error('bug')]) {
    t.deepEqual(judgeFailure(error, policy, now), { outcome: undefined, retry: false });
  }
});
