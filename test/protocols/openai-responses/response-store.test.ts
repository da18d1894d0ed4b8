import test from 'ava';
import { Redis } from 'ioredis';
import { RedisResponseStore } from '../../../src/protocols/openai-responses/redis-response-store.js';
import { MemoryResponseStore, type StoredResponse } from '../../../src/protocols/openai-responses/response-store.js';
import { capturedLogger } from '../../helpers/logger.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const stored = (owner: string, text = 'hello'): StoredResponse => ({ owner, input: [{ role: 'user', content: text }], response: { id: 'resp_1', output: [] } });

test('memory: only the owner reads or deletes a response; it expires with the time to live', async (t) => {
  let now = 1_000;
  const store = new MemoryResponseStore(60_000, 1024 * 1024, () => now);
  await store.save('resp_1', stored('alice'));
  t.deepEqual(await store.load('resp_1', 'alice'), stored('alice'));
  t.is(await store.load('resp_1', 'bob'), undefined);
  t.false(await store.delete('resp_1', 'bob'));
  now += 60_000;
  t.is(await store.load('resp_1', 'alice'), undefined, 'expired');
  await store.save('resp_2', stored('alice'));
  t.true(await store.delete('resp_2', 'alice'));
  t.is(await store.load('resp_2', 'alice'), undefined);
});

test('memory: bounded in bytes, the oldest responses leave first; a time to live of 0 keeps nothing', async (t) => {
  const size = JSON.stringify(stored('alice', 'x'.repeat(100))).length;
  const store = new MemoryResponseStore(60_000, size * 3);
  for (const id of ['a', 'b', 'c', 'd']) await store.save(id, stored('alice', 'x'.repeat(100)));
  t.is(await store.load('a', 'alice'), undefined);
  for (const id of ['b', 'c', 'd']) t.truthy(await store.load(id, 'alice'), id);
  const none = new MemoryResponseStore(0);
  await none.save('a', stored('alice'));
  t.is(await none.load('a', 'alice'), undefined);
});

test('redis: two instances share the responses, scoped to their owner, with the time to live on the key', async (t) => {
  const prefix = uniquePrefix();
  const [one, two] = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
  const { logger } = capturedLogger();
  const writer = new RedisResponseStore(one, prefix, 3_600_000, logger);
  const reader = new RedisResponseStore(two, prefix, 3_600_000, logger);
  t.teardown(async () => {
    await deleteKeys(TEST_REDIS_URL, prefix);
    writer.close();
    reader.close();
  });
  await writer.save('resp_1', stored('alice'));
  t.deepEqual(await reader.load('resp_1', 'alice'), stored('alice'));
  t.is(await reader.load('resp_1', 'bob'), undefined);
  const ttl = await two.pttl(`${prefix}responses:resp_1`);
  t.true(ttl > 3_500_000 && ttl <= 3_600_000);
  t.false(await reader.delete('resp_1', 'bob'));
  t.true(await reader.delete('resp_1', 'alice'));
  t.is(await writer.load('resp_1', 'alice'), undefined);
});
