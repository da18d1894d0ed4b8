import test from 'ava';
import { clientKeyHash } from '../../../src/access/client-keys/client-key.js';
import { MemoryClientKeyStore, type ClientKeyStore } from '../../../src/access/client-keys/client-key-store.js';
import { ClientKeys, clientKeyView } from '../../../src/access/client-keys/client-key-service.js';
import { MemoryLimitStore } from '../../../src/access/limits/memory-limit-store.js';
import { GatewayError } from '../../../src/core/errors.js';

const setUp = (store: ClientKeyStore = new MemoryClientKeyStore(), now = () => Date.parse('2026-11-22T12:00:00Z')) => new ClientKeys(store, new MemoryLimitStore(), now);

test('a new key: secret returned once, only its hash stored, limits and budgets in the API’s names', async (t) => {
  const store = new MemoryClientKeyStore();
  const keys = setUp(store);
  const { key, secret } = await keys.create({
    name: 'bob',
    models: ['gpt-4o*'],
    expires_at: '2027-01-01',
    limits: { rpm: 60, tpm: 10_000 },
    budgets: { tokens_per_day: 100_000, requests_total: 5000, usd_per_day: 0.01, usd_total: 12.345678901 },
  });
  const stored = (await store.list())[0]!;
  t.false(JSON.stringify(stored).includes(secret));
  t.is(stored.hash, clientKeyHash(secret));
  const view = clientKeyView(key, Date.parse('2026-11-22T12:00:00Z'));
  t.deepEqual(view.limits, { rpm: 60, tpm: 10_000, max_concurrent: null });
  t.deepEqual(view.budgets, {
    requests_per_day: null,
    requests_per_month: null,
    requests_total: 5000,
    tokens_per_day: 100_000,
    tokens_per_month: null,
    tokens_total: null,
    usd_per_day: 0.01,
    usd_per_month: null,
    usd_total: 12.345678901,
  });
  t.like(key.limits, { costPerDay: 10_000_000, costTotal: 12_345_678_901 }, 'dollars are kept in nano-dollars');
  t.is(view.expires_at, '2027-01-01T00:00:00.000Z');
  t.false(JSON.stringify(view).includes(secret));
});

test('updates change what is given, null clears, and the rest stays', async (t) => {
  const keys = setUp();
  const { key } = await keys.create({ name: 'carol', description: 'd', limits: { rpm: 10, tpm: 100 }, default_model: 'gpt-4o' });
  const updated = await keys.update(key.id, { limits: { rpm: null, max_concurrent: 2 }, description: null, expires_at: 1_900_000_000 });
  t.deepEqual(updated.limits, { tokensPerMinute: 100, maxConcurrent: 2 });
  t.is(updated.description, '');
  t.is(updated.defaultModel, 'gpt-4o');
  t.is(updated.expiresAt, 1_900_000_000_000);
  t.is(updated.name, 'carol');
});

test('lookups by hash are cached briefly; changes made here show at once', async (t) => {
  let now = 0;
  const store = new MemoryClientKeyStore();
  let reads = 0;
  const counting: ClientKeyStore = Object.assign(Object.create(store) as ClientKeyStore, {
    findByHash: (hash: string) => {
      reads++;
      return store.findByHash(hash);
    },
  });
  const keys = setUp(counting, () => now);
  const { key, secret } = await keys.create({ name: 'dave' });
  const hash = clientKeyHash(secret);
  await keys.findByHash(hash);
  await keys.findByHash(hash);
  t.is(reads, 1);
  await keys.setDisabled(key.id, true);
  t.true((await keys.findByHash(hash))!.disabled);
  t.is(reads, 2);
  now += 2_001;
  await keys.findByHash(hash);
  t.is(reads, 3);
});

test('while the store is down, keys read before still work and unknown ones are a 503', async (t) => {
  let now = 0;
  const store = new MemoryClientKeyStore();
  let down = false;
  const flaky: ClientKeyStore = Object.assign(Object.create(store) as ClientKeyStore, {
    findByHash: (hash: string) => (down ? Promise.reject(new Error('connection lost')) : store.findByHash(hash)),
  });
  const keys = setUp(flaky, () => now);
  const { secret } = await keys.create({ name: 'erin' });
  await keys.findByHash(clientKeyHash(secret));
  down = true;
  now += 10_000;
  t.is((await keys.findByHash(clientKeyHash(secret)))!.name, 'erin');
  const error = await t.throwsAsync(keys.findByHash(clientKeyHash('sk-gw-never-seen')), { instanceOf: GatewayError });
  t.is(error.status, 503);
});
