import test from 'ava';
import { Redis } from 'ioredis';
import { MemoryStatsStore, RedisStatsStore, type StatsStore } from '../../../src/access/stats/stats-store.js';
import { UsageReport } from '../../../src/access/stats/usage-report.js';
import { WindowClock } from '../../../src/access/limits/time-windows.js';
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

  test(`${name}: the report breaks usage down and ranks the upstream keys that fail`, async (t) => {
    const store = open();
    const clock = new WindowClock('UTC', () => Date.parse('2026-11-22T14:30:00Z'));
    await store.add(
      increments('hour:2026112214', {
        'c|ck_1|req': 3,
        'c|ck_1|err': 1,
        'c|ck_1|tt': 90,
        'c|env:abcd1234|req': 1,
        'c|env:abcd1234|tt': 5,
        'm|gpt-4o|req': 4,
        'm|gpt-4o|tt': 95,
        'cm|ck_1|gpt-4o|req': 3,
        'u|openai/aaaa|s429': 4,
        'u|openai/aaaa|s400': 1,
        'u|openai/bbbb|s403': 7,
        'u|openai/cccc|s500': 9,
      }),
    );
    const report = new UsageReport(store, clock, async () => new Map([['ck_1', 'alice']]));
    const day = await report.span('hour', 24);
    t.is(day.requests, 4);
    t.is(day.errors, 1);
    t.is(day.total_tokens, 95);
    t.deepEqual(day.by_client_key.map((row) => [row.id, row.name, row.requests]), [
      ['ck_1', 'alice', 3],
      ['env:abcd1234', null, 1],
    ]);
    const alice = await report.span('hour', 24, 'ck_1');
    t.is(alice.requests, 3);
    t.deepEqual(alice.by_model.map((row) => [row.model, row.requests]), [['gpt-4o', 3]]);
    t.deepEqual(await report.failingUpstreamKeys(), [
      { upstream_key: 'openai/bbbb', status_429: 0, status_403: 7, status_400: 0, total: 7 },
      { upstream_key: 'openai/aaaa', status_429: 4, status_403: 0, status_400: 1, total: 5 },
    ]);
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
