import test, { type ExecutionContext } from 'ava';
import { MemoryStatsStore, RedisStatsStore, type StatsStore } from '../../../src/access/stats/stats-store.js';
import { UsageReport } from '../../../src/access/stats/usage-report.js';
import { WindowClock } from '../../../src/access/limits/time-windows.js';
import { redisForTest } from '../../helpers/redis.js';

const increments = (window: string, fields: Record<string, number>) => new Map([[window, new Map(Object.entries(fields))]]);

const stores: [string, (t: ExecutionContext) => StatsStore][] = [
  ['memory', () => new MemoryStatsStore()],
  [
    'redis',
    (t) => {
      const { redis, prefix } = redisForTest(t);
      return new RedisStatsStore(redis, prefix);
    },
  ],
];

for (const [name, open] of stores) {
  test(`${name}: the report breaks usage down and ranks the upstream keys that fail`, async (t) => {
    const store = open(t);
    const clock = new WindowClock('UTC', () => Date.parse('2026-11-22T14:30:00Z'));
    await store.add(
      increments('hour:2026112214', {
        'c|ck_1|req': 3,
        'c|ck_1|err': 1,
        'c|ck_1|tt': 90,
        'c|ck_1|cost': 1_234_567,
        'c|env:abcd1234|req': 1,
        'c|env:abcd1234|tt': 5,
        'c|env:abcd1234|unp': 1,
        'm|gpt-4o|req': 4,
        'm|gpt-4o|tt': 95,
        'm|gpt-4o|cost': 1_234_567,
        'm|gpt-4o|unp': 1,
        'p|azure-east|req': 4,
        'p|azure-east|cost': 1_234_567,
        'cm|ck_1|gpt-4o|req': 3,
        'cm|ck_1|gpt-4o|cost': 1_234_567,
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
    t.is(day.cost_usd, 0.001234567, 'cost counted in nano-dollars, shown in USD');
    t.is(day.unpriced_requests, 1);
    t.deepEqual(day.by_model.map((row) => [row.model, row.cost_usd, row.unpriced_requests]), [['gpt-4o', 0.001234567, 1]]);
    t.deepEqual(day.by_provider.map((row) => [row.provider, row.cost_usd]), [['azure-east', 0.001234567]]);
    t.deepEqual(day.by_client_key.map((row) => [row.id, row.name, row.requests]), [
      ['ck_1', 'alice', 3],
      ['env:abcd1234', null, 1],
    ]);
    const alice = await report.span('hour', 24, 'ck_1');
    t.is(alice.requests, 3);
    t.deepEqual(alice.by_model.map((row) => [row.model, row.requests, row.cost_usd]), [['gpt-4o', 3, 0.001234567]]);
    t.is(alice.cost_usd, 0.001234567);
    t.deepEqual(await report.failingUpstreamKeys(), [
      { upstream_key: 'openai/bbbb', status_429: 0, status_403: 7, status_400: 0, total: 7 },
      { upstream_key: 'openai/aaaa', status_429: 4, status_403: 0, status_400: 1, total: 5 },
    ]);
  });
}
