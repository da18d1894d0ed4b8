import test from 'ava';
import { Redis } from 'ioredis';
import { Admission } from '../../../src/access/metering/admission.js';
import { StoreWarning } from '../../../src/access/metering/store-warning.js';
import type { LimitStore } from '../../../src/access/limits/limit-store.js';
import { MemoryLimitStore } from '../../../src/access/limits/memory-limit-store.js';
import { RedisLimitStore } from '../../../src/access/limits/redis-limit-store.js';
import { WindowClock } from '../../../src/access/limits/time-windows.js';
import { GatewayError } from '../../../src/core/errors.js';
import { createRedisClient, type RedisConnection } from '../../../src/storage/redis-client.js';
import { clientCaller, TOKEN_CALLER } from '../../helpers/callers.js';
import { capturedLogger } from '../../helpers/logger.js';
import { deleteKeys, freePort, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

/** 14:30:15: the minute renews in 45 s. */
const NOW = Date.parse('2026-11-22T14:30:15Z');
const clock = new WindowClock('UTC', () => NOW);

const prefixes: string[] = [];
const connections: RedisConnection[] = [];
test.after.always(async () => {
  for (const redis of connections) redis.disconnect();
  for (const prefix of prefixes) await deleteKeys(TEST_REDIS_URL, prefix);
});

function admissionOver(limits: LimitStore) {
  const { logger, lines } = capturedLogger();
  return { admission: new Admission({ limits, clock, staleAfterMs: 60_000, warning: new StoreWarning(logger) }), lines };
}

const stores: [string, () => LimitStore][] = [
  ['memory', () => new MemoryLimitStore()],
  [
    'redis',
    () => {
      const redis = new Redis(TEST_REDIS_URL);
      const prefix = uniquePrefix();
      connections.push(redis);
      prefixes.push(prefix);
      return new RedisLimitStore(redis, prefix);
    },
  ],
];

for (const [name, open] of stores) {
  test(`${name}: calls within the key's rate are admitted with distinct tickets; the next is a 429 naming the limit, with Retry-After`, async (t) => {
    const { admission } = admissionOver(open());
    const caller = clientCaller({ requestsPerMinute: 2 });
    const tickets = [await admission.admit(caller), await admission.admit(caller)];
    t.is(typeof tickets[0], 'string');
    t.not(tickets[0], tickets[1]);
    const refusal = await t.throwsAsync(admission.admit(caller), { instanceOf: GatewayError });
    t.is(refusal.status, 429);
    t.is(refusal.type, 'rate_limit_error');
    t.is(refusal.code, 'rate_limit_exceeded');
    t.is(refusal.message, 'Rate limit reached for this API key on requests per minute (rpm): limit 2, used 2. Please try again in 45s.');
    t.deepEqual(refusal.headers, { 'Retry-After': '45' });
  });

  test(`${name}: a total budget spent is insufficient_quota that does not renew, without Retry-After`, async (t) => {
    const { admission } = admissionOver(open());
    const caller = clientCaller({ requestsTotal: 1 });
    await admission.admit(caller);
    const refusal = await t.throwsAsync(admission.admit(caller), { instanceOf: GatewayError });
    t.is(refusal.status, 429);
    t.is(refusal.code, 'insufficient_quota');
    t.is(refusal.message, 'Budget exhausted for this API key on total requests (requests_total): limit 1, used 1. It does not renew; ask the operator of this gateway to raise it.');
    t.deepEqual(refusal.headers, {});
  });

  test(`${name}: a dollar budget refuses the call its reservation does not fit, saying which budget, how much and when it renews`, async (t) => {
    const { admission } = admissionOver(open());
    const caller = clientCaller({ costPerDay: 10_000_000 });
    const ticket = (await admission.admit(caller, () => 6_000_000))!;
    admission.settle(caller.id, ticket, 50, clock.windows(), 7_500_000);
    await admission.settled();
    let asked = 0;
    const refusal = await t.throwsAsync(
      admission.admit(caller, () => ((asked += 1), 3_000_000)),
      { instanceOf: GatewayError },
    );
    t.is(asked, 1);
    t.is(refusal.status, 429);
    t.is(refusal.type, 'insufficient_quota');
    t.is(refusal.code, 'insufficient_quota');
    t.regex(refusal.message, /^Budget exhausted for this API key on dollars per day \(usd_per_day\): limit \$0\.01, spent or reserved \$0\.0075, this call may cost up to \$0\.003\. It renews in \d+s\.$/);
    t.truthy(refusal.headers['Retry-After']);
    t.is(typeof (await admission.admit(caller, () => 2_500_000)), 'string', 'a call whose reservation fits exactly is admitted');
  });

  test(`${name}: a key without a dollar budget is never asked for a reservation`, async (t) => {
    const { admission } = admissionOver(open());
    const ticket = await admission.admit(clientCaller({ requestsPerMinute: 5 }), () => t.fail('asked') as never);
    t.is(typeof ticket, 'string');
  });

  test(`${name}: a settled call frees its concurrency slot and its tokens count against the next call`, async (t) => {
    const store = open();
    const { admission } = admissionOver(store);
    const caller = clientCaller({ maxConcurrent: 1, tokensPerMinute: 100 });
    const ticket = (await admission.admit(caller))!;
    const busy = await t.throwsAsync(admission.admit(caller), { instanceOf: GatewayError });
    t.is(busy.message, 'Rate limit reached for this API key on concurrent requests (max_concurrent): limit 1, in flight 1. Please try again in 1s.');

    admission.settle(caller.id, ticket, 100, clock.windows());
    await admission.settled();
    t.like(await store.counters(caller.id, clock.windows()), { inFlight: 0, tokensThisMinute: 100 });
    const spent = await t.throwsAsync(admission.admit(caller), { instanceOf: GatewayError });
    t.is(spent.message, 'Rate limit reached for this API key on tokens per minute (tpm): limit 100, used 100. Please try again in 45s.');
  });

  test(`${name}: callers other than client keys are neither limited nor counted`, async (t) => {
    const store = open();
    const { admission } = admissionOver(store);
    t.is(await admission.admit(TOKEN_CALLER), undefined);
    t.like(await store.counters(TOKEN_CALLER.id, clock.windows()), { requestsThisMinute: 0, requestsTotal: 0 });
  });
}

test('an unreachable limit store lets calls through untracked and says so once, without the key', async (t) => {
  const redis = createRedisClient(`redis://127.0.0.1:${await freePort()}`);
  connections.push(redis);
  const { admission, lines } = admissionOver(new RedisLimitStore(redis, uniquePrefix()));
  const caller = clientCaller({ requestsPerMinute: 1 });
  t.is(await admission.admit(caller), undefined);
  t.is(await admission.admit(caller), undefined, 'over its limit, yet let through: the limit cannot be checked');
  admission.settle(caller.id, 'a-ticket', 10, clock.windows());
  await admission.settled();
  t.is(lines.length, 1, 'one warning in ten seconds');
  t.like(lines[0], { level: 'warn', msg: 'usage store failed while checking a client key’s limits (the call was let through)' });
  t.false(JSON.stringify(lines).includes(caller.key.hash));
});
