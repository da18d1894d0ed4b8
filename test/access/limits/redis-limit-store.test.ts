import test from 'ava';
import { Redis } from 'ioredis';
import type { AdmissionResult, ClientLimits } from '../../../src/access/limits/limit-store.js';
import { RedisLimitStore } from '../../../src/access/limits/redis-limit-store.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { limitStoreContract, NEXT_DAY, NEXT_MINUTE, NEXT_MONTH, NOW } from './limit-store-contract.js';

const prefixes: string[] = [];
const connections: Redis[] = [];

const connect = (): Redis => {
  const redis = new Redis(TEST_REDIS_URL);
  connections.push(redis);
  return redis;
};

const openStore = (prefix = uniquePrefix()): RedisLimitStore => {
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  return new RedisLimitStore(connect(), prefix);
};

const keysOf = async (redis: Redis, prefix: string, keyId: string): Promise<string[]> => {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    found.push(...keys.filter((key) => key.includes(`{${keyId}}`)));
  } while (cursor !== '0');
  return found.sort();
};

test.after.always(async () => {
  for (const redis of connections) redis.disconnect();
  for (const prefix of prefixes) await deleteKeys(TEST_REDIS_URL, prefix);
});

limitStoreContract('redis', async () => openStore());

test('redis: two instances share one budget and never both take its last request', async (t) => {
  const prefix = uniquePrefix();
  const stores = [openStore(prefix), openStore(prefix)];
  const admitAll = (count: number, limits: ClientLimits, keyId: string): Promise<AdmissionResult[]> =>
    Promise.all(Array.from({ length: count }, (_, index) => stores[index % 2]!.admit(keyId, limits, `t${index}`, NOW, 60_000)));

  const budget = await admitAll(50, { requestsTotal: 20 }, 'budget');
  t.is(budget.filter((result) => result.admitted).length, 20);
  for (const result of budget.filter((result) => !result.admitted)) t.like(result, { limit: 'requestsTotal', used: 20 });
  t.like(await stores[1]!.counters('budget', NOW), { requestsTotal: 20, inFlight: 20 });

  const concurrency = await admitAll(30, { maxConcurrent: 5 }, 'slots');
  t.is(concurrency.filter((result) => result.admitted).length, 5);
  t.is((await stores[0]!.counters('slots', NOW)).inFlight, 5);
});

test('redis: window keys expire on their own; totals and tickets in flight do not', async (t) => {
  const prefix = uniquePrefix();
  const store = openStore(prefix);
  const redis = connect();
  await store.admit('k', {}, 'a', NOW, 60_000);
  await store.settle('k', 'a', 10, NOW);
  await store.admit('k', {}, 'held', NOW, 60_000);
  await store.settle('k', 'unknown', 3, NEXT_MINUTE);
  const base = `${prefix}limits:{k}:`;
  const ttl = (suffix: string) => redis.ttl(`${base}${suffix}`);
  const within = (seconds: number, most: number) => seconds > most - 10 && seconds <= most;

  t.true(within(await ttl(`minute:${NOW.minute}`), 180));
  t.true(within(await ttl(`minute:${NEXT_MINUTE.minute}`), 180), 'a window first touched by settle gets a TTL too');
  t.true(within(await ttl(`day:${NOW.day}`), 2 * 86_400));
  t.true(within(await ttl(`month:${NOW.month}`), 62 * 86_400));
  t.is(await ttl('total'), -1);
  t.is(await ttl('inflight'), -1);
  t.deepEqual(await redis.hgetall(`${base}minute:${NOW.minute}`), { r: '2', t: '10' });
  t.deepEqual(await redis.hgetall(`${base}total`), { r: '2', t: '13' });
});

test('redis: stale tickets leave the in-flight set on the next admission', async (t) => {
  const prefix = uniquePrefix();
  const store = openStore(prefix);
  const redis = connect();
  for (const ticket of ['a', 'b', 'c']) await store.admit('k', {}, ticket, NOW, 20);
  await new Promise((resolve) => setTimeout(resolve, 40));
  await store.admit('k', {}, 'd', NOW, 60_000);
  t.deepEqual(await redis.zrange(`${prefix}limits:{k}:inflight`, 0, -1), ['d']);
});

test('redis: forget leaves no key of the client key behind', async (t) => {
  const prefix = uniquePrefix();
  const store = openStore(prefix);
  const redis = connect();
  for (const keyId of ['k', 'other']) {
    for (const windows of [NOW, NEXT_MINUTE, NEXT_DAY, NEXT_MONTH]) {
      await store.admit(keyId, {}, 'a', windows, 60_000);
      await store.settle(keyId, 'a', 5, windows);
    }
    await store.admit(keyId, {}, 'held', NOW, 60_000);
  }
  t.is((await keysOf(redis, prefix, 'k')).length, 4 + 3 + 2 + 3, 'four minutes, three days, two months, total, inflight, windows');
  const others = await keysOf(redis, prefix, 'other');
  await store.forget('k');
  t.deepEqual(await keysOf(redis, prefix, 'k'), []);
  t.deepEqual(await keysOf(redis, prefix, 'other'), others);
});
