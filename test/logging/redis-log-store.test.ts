import test from 'ava';
import { Redis } from 'ioredis';
import type { LogStoreLimits } from '../../src/logging/log-query.js';
import { RedisLogStore } from '../../src/logging/redis-log-store.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { logStoreContract, readAllPages, requestRecord, errorRecord } from './log-store-contract.js';

const prefixes: string[] = [];
const clients: Redis[] = [];
const defaults: LogStoreLimits = { retentionMs: 86_400_000, maxRecords: 100_000 };

const openStore = (prefix = uniquePrefix(), limits: LogStoreLimits = defaults) => {
  prefixes.push(prefix);
  const redis = new Redis(TEST_REDIS_URL);
  clients.push(redis);
  return new RedisLogStore(redis, prefix, limits);
};

test.after.always(async () => {
  for (const client of clients) client.disconnect();
  for (const prefix of prefixes) await deleteKeys(TEST_REDIS_URL, prefix);
});

const requestIds = (records: readonly { requestId: string }[]) => records.map((record) => record.requestId);

logStoreContract('redis', async (options) => openStore(uniquePrefix(), options));

test('redis: two stores on one prefix see each other’s records, in one order', async (t) => {
  const prefix = uniquePrefix();
  const one = openStore(prefix);
  const two = openStore(prefix);
  await one.appendRequests([requestRecord(0, { requestId: 'one-a' }), requestRecord(5, { requestId: 'one-b' })]);
  // The other instance logs a request that arrived earlier than the last one already logged.
  await two.appendRequests([requestRecord(3, { requestId: 'two-a' })]);
  await two.appendErrors([errorRecord(4, { requestId: 'two-error' })]);
  await one.appendRequests([requestRecord(6, { requestId: 'one-c' })]);
  for (const store of [one, two]) {
    t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['one-c', 'one-b', 'two-a', 'one-a'], 'in arrival order');
    t.deepEqual(requestIds((await store.errors({ limit: 10 })).records), ['two-error']);
  }
  const page = await one.requests({ limit: 2 });
  t.deepEqual(requestIds((await two.requests({ limit: 10, cursor: page.next })).records), ['two-a', 'one-a'], 'a cursor from one instance works on another');
});

test('redis: each log is a sorted set of ids by arrival time and a hash of the records as JSON', async (t) => {
  const prefix = uniquePrefix();
  const store = openStore(prefix);
  const record = requestRecord(0);
  await store.appendRequests([record]);
  await store.appendErrors([errorRecord(0)]);
  const redis = clients.at(-1)!;
  for (const log of ['requests', 'errors']) {
    t.is(await redis.type(`${prefix}log:{${log}}:index`), 'zset');
    t.is(await redis.type(`${prefix}log:{${log}}:records`), 'hash');
  }
  const [id, score] = await redis.zrange(`${prefix}log:{requests}:index`, 0, -1, 'WITHSCORES');
  t.is(id, `${record.time}-0000000000000001`);
  t.is(Number(score), record.time);
  t.is(await redis.hget(`${prefix}log:{requests}:records`, id!), JSON.stringify(record));
});

test('redis: corrupt entries are skipped, not fatal', async (t) => {
  const prefix = uniquePrefix();
  const store = openStore(prefix);
  const redis = clients.at(-1)!;
  await store.appendRequests([requestRecord(0)]);
  const base = requestRecord(1).time;
  for (const [offset, json] of ['not json', JSON.stringify({ ...requestRecord(1), status: 'teapot' }), 'null'].entries()) {
    const id = `${base}-${String(900 + offset).padStart(16, '0')}`;
    await redis.zadd(`${prefix}log:{requests}:index`, base, id);
    await redis.hset(`${prefix}log:{requests}:records`, id, json);
  }
  await redis.zadd(`${prefix}log:{requests}:index`, base, `${base}-0000000000000999`); // an id without a record
  await store.appendRequests([requestRecord(2)]);
  t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['req-2', 'req-0']);
  const { records } = await readAllPages((cursor) => store.requests({ limit: 1, cursor }));
  t.deepEqual(requestIds(records), ['req-2', 'req-0']);
});

test('redis: trimming keeps a log at maxRecords, the oldest dropped', async (t) => {
  const prefix = uniquePrefix();
  const store = openStore(prefix, { retentionMs: 86_400_000, maxRecords: 100 });
  for (let batch = 0; batch < 20; batch++) {
    await store.appendRequests(Array.from({ length: 100 }, (_, index) => requestRecord(batch * 100 + index)));
  }
  const redis = clients.at(-1)!;
  t.is(await redis.zcard(`${prefix}log:{requests}:index`), 100);
  t.is(await redis.hlen(`${prefix}log:{requests}:records`), 100);
  t.deepEqual(requestIds((await store.requests({ limit: 1 })).records), ['req-1999']);
});

test('redis: a query stops after a capped scan and the cursor carries on', async (t) => {
  const store = openStore();
  await store.appendRequests([requestRecord(0, { clientId: 'ck_rare' })]);
  for (let batch = 0; batch < 21; batch++) {
    await store.appendRequests(Array.from({ length: 1000 }, (_, index) => requestRecord(1 + batch * 1000 + index)));
  }
  const first = await store.requests({ limit: 10, clientId: 'ck_rare' });
  t.deepEqual(first.records, []);
  t.not(first.next, undefined, 'an empty page after a capped scan still says where to go on');
  const { pages, records } = await readAllPages((cursor) => store.requests({ limit: 10, clientId: 'ck_rare', cursor: cursor ?? first.next }));
  t.deepEqual(requestIds(records), ['req-0']);
  t.is(pages.at(-1)!.next, undefined);
});
