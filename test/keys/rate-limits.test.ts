import test from 'ava';
import { KeyRateLimits } from '../../src/keys/rate-limits.js';
import { KeyTokenCounts } from '../../src/keys/token-counts.js';
import { deferred } from '../helpers/deferred.js';
import { capturedLogger } from '../helpers/logger.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const KEY = '0123456789abcdef';
const OTHER_KEY = 'fedcba9876543210';

function limitsFor(t: import('ava').ExecutionContext, limits: ConstructorParameters<typeof KeyRateLimits>[0], redis?: ConstructorParameters<typeof KeyRateLimits>[2]) {
  const { logger, lines } = capturedLogger();
  const rateLimits = new KeyRateLimits(limits, logger, redis);
  t.teardown(() => rateLimits.close());
  return { rateLimits, lines };
}

test('requests per minute: a key that used its minute is full; other keys and unlimited providers are not', async (t) => {
  const { rateLimits } = limitsFor(t, { p: { rpm: 2 } });
  t.true(rateLimits.applies('p'));
  t.false(rateLimits.applies('q'));
  t.false(await rateLimits.isFull('p', KEY));
  t.is(await rateLimits.run('p', KEY, async () => 'one', 1000), 'one');
  t.false(await rateLimits.isFull('p', KEY));
  await rateLimits.run('p', KEY, async () => 'two', 1000);
  t.true(await rateLimits.isFull('p', KEY));
  t.false(await rateLimits.isFull('p', OTHER_KEY));
  t.false(await rateLimits.isFull('q', KEY));
});

test('calls in flight: a stream holds its key until it ends, and the next call starts then', async (t) => {
  const { rateLimits } = limitsFor(t, { p: { maxConcurrent: 1 } });
  const streamEnds = deferred();
  await rateLimits.run('p', KEY, async () => 'stream', 5000, () => streamEnds.promise);
  t.true(await rateLimits.isFull('p', KEY));
  let secondStarted = false;
  const second = rateLimits.run('p', KEY, async () => ((secondStarted = true), 'second'), 5000);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.false(secondStarted, 'waiting while the stream runs');
  streamEnds.resolve();
  t.is(await second, 'second');
});

test('a call the limiter does not start within its wait runs anyway, and the warning names the key by a prefix only', async (t) => {
  const { rateLimits, lines } = limitsFor(t, { p: { maxConcurrent: 1 } });
  const held = deferred();
  t.teardown(held.resolve);
  await rateLimits.run('p', KEY, async () => undefined, 5000, () => held.promise);
  const started = Date.now();
  t.is(await rateLimits.run('p', KEY, async () => 'ran', 200), 'ran');
  t.true(Date.now() - started >= 190);
  t.like(lines[0], { level: 'warn', msg: 'key rate limiter did not answer in time; calling without it', provider: 'p' });
  t.false(JSON.stringify(lines).includes(KEY));
});

test('a failing call is passed on as it failed, and frees its slot', async (t) => {
  const { rateLimits } = limitsFor(t, { p: { maxConcurrent: 1 } });
  await t.throwsAsync(rateLimits.run('p', KEY, async () => Promise.reject(new Error('upstream broke')), 1000), { message: 'upstream broke' });
  await waitFor(async () => !(await rateLimits.isFull('p', KEY)), 'the slot being freed', 1000);
  t.is(await rateLimits.run('p', KEY, async () => 'next', 1000), 'next');
});

test('with Redis, two instances share a key\'s limit', async (t) => {
  const prefix = uniquePrefix();
  t.teardown(() => deleteKeys(TEST_REDIS_URL, prefix));
  const redis = { url: TEST_REDIS_URL, prefix, available: () => true };
  const { rateLimits: first } = limitsFor(t, { p: { rpm: 2 } }, redis);
  const { rateLimits: second } = limitsFor(t, { p: { rpm: 2 } }, redis);
  await first.run('p', KEY, async () => undefined, 2000);
  await first.run('p', KEY, async () => undefined, 2000);
  // A check that cannot reach Redis in time answers "not full"; the first checks may wait on the connection.
  await waitFor(() => second.isFull('p', KEY), 'the other instance seeing the minute used up', 3000);
  t.false(await second.isFull('p', OTHER_KEY));
});

test('while Redis is unavailable each instance keeps the limit on its own', async (t) => {
  const prefix = uniquePrefix();
  t.teardown(() => deleteKeys(TEST_REDIS_URL, prefix));
  const redis = { url: TEST_REDIS_URL, prefix, available: () => false };
  const { rateLimits: first } = limitsFor(t, { p: { rpm: 1 } }, redis);
  const { rateLimits: second } = limitsFor(t, { p: { rpm: 1 } }, redis);
  await first.run('p', KEY, async () => undefined, 2000);
  t.true(await first.isFull('p', KEY));
  t.false(await second.isFull('p', KEY));
});

test('tokens per minute: a key is full once its tokens this minute reach the limit, and free again the next minute', async (t) => {
  const { rateLimits } = limitsFor(t, { p: { tpm: 100 } });
  t.false(await rateLimits.isFull('p', KEY));
  rateLimits.used('p', KEY, 60);
  t.false(await rateLimits.isFull('p', KEY));
  rateLimits.used('p', KEY, 40);
  t.true(await rateLimits.isFull('p', KEY));
  t.false(await rateLimits.isFull('p', OTHER_KEY));
  rateLimits.used('q', KEY, 1000);
  t.false(await rateLimits.isFull('q', KEY), 'a provider without tpm counts nothing');
});

test('tokens per minute: the count is per minute of the clock', async (t) => {
  let now = Date.UTC(2026, 0, 1, 12, 0, 59);
  const counts = new KeyTokenCounts(undefined, () => now);
  counts.add('p', KEY, 70);
  t.is(counts.used('p', KEY), 70);
  now += 2000;
  t.is(counts.used('p', KEY), 0);
  counts.add('p', KEY, 5);
  t.is(counts.used('p', KEY), 5);
});

test('tokens per minute with Redis: two instances add to one count', async (t) => {
  const prefix = uniquePrefix();
  t.teardown(() => deleteKeys(TEST_REDIS_URL, prefix));
  const redis = { url: TEST_REDIS_URL, prefix, available: () => true };
  const { rateLimits: first } = limitsFor(t, { p: { tpm: 100 } }, redis);
  const { rateLimits: second } = limitsFor(t, { p: { tpm: 100 } }, redis);
  first.used('p', KEY, 50);
  second.used('p', KEY, 50);
  await waitFor(() => first.isFull('p', KEY), 'the first instance seeing both calls', 3000);
  await waitFor(() => second.isFull('p', KEY), 'the second instance seeing both calls', 3000);
  t.false(await second.isFull('p', OTHER_KEY));
});

test('tokens per minute while Redis is unavailable: each instance counts its own', async (t) => {
  const prefix = uniquePrefix();
  t.teardown(() => deleteKeys(TEST_REDIS_URL, prefix));
  const redis = { url: TEST_REDIS_URL, prefix, available: () => false };
  const { rateLimits: first } = limitsFor(t, { p: { tpm: 100 } }, redis);
  const { rateLimits: second } = limitsFor(t, { p: { tpm: 100 } }, redis);
  first.used('p', KEY, 100);
  t.true(await first.isFull('p', KEY));
  t.false(await second.isFull('p', KEY));
});
