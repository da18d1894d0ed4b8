import test from 'ava';
import { Redis } from 'ioredis';
import { MemoryStatsStore, RedisStatsStore, type StatsStore } from '../../../src/access/stats/stats-store.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const prefixes: string[] = [];
const clients: Redis[] = [];
test.after.always(async () => {
  for (const client of clients) client.disconnect();
  for (const prefix of prefixes) await deleteKeys(TEST_REDIS_URL, prefix);
});

const increments = (window: string, fields: Record<string, number>) => new Map([[window, new Map(Object.entries(fields))]]);

function contract(name: string, open: () => StatsStore) {
  test(`${name}: counts add up per window and are summed over the windows read`, async (t) => {
    const store = open();
    await store.add(increments('hour:2026112213', { 'm|gpt-4o|req': 2, 'm|gpt-4o|tt': 40 }));
    await store.add(increments('hour:2026112214', { 'm|gpt-4o|req': 1, 'm|gpt-4o|tt': 10, 'c|ck_1|req': 1 }));
    await store.add(increments('hour:2026112214', { 'm|gpt-4o|req': 1 }));
    t.deepEqual(Object.fromEntries(await store.read('hour', ['2026112214'])), { 'm|gpt-4o|req': 2, 'm|gpt-4o|tt': 10, 'c|ck_1|req': 1 });
    t.deepEqual(Object.fromEntries(await store.read('hour', ['2026112214', '2026112213', '2026112212'])), { 'm|gpt-4o|req': 4, 'm|gpt-4o|tt': 50, 'c|ck_1|req': 1 });
    t.is((await store.read('day', ['20261122'])).size, 0);
  });
}

contract('memory', () => new MemoryStatsStore());
contract('redis', () => {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const redis = new Redis(TEST_REDIS_URL);
  clients.push(redis);
  return new RedisStatsStore(redis, prefix);
});

test('redis: window hashes expire once no span reads them any more', async (t) => {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const redis = new Redis(TEST_REDIS_URL);
  clients.push(redis);
  await new RedisStatsStore(redis, prefix).add(increments('minute:202611221430', { 'm|x|req': 1 }));
  const ttl = await redis.ttl(`${prefix}stats:minute:202611221430`);
  t.true(ttl > 3600 && ttl <= 7200);
});

test('memory: only the newest windows of each period are kept', async (t) => {
  const store = new MemoryStatsStore();
  for (let minute = 0; minute < 130; minute++) await store.add(increments(`minute:${String(202611220000 + minute)}`, { 'm|x|req': 1 }));
  t.is((await store.read('minute', ['202611220000'])).size, 0);
  t.is((await store.read('minute', ['202611220129'])).get('m|x|req'), 1);
});
