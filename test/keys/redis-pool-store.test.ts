import test from 'ava';
import { Redis } from 'ioredis';
import { RedisPoolStore } from '../../src/keys/redis-pool-store.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { poolStoreContract } from './pool-store-contract.js';

const prefixes: string[] = [];
const openStore = async (prefix = uniquePrefix()) => {
  prefixes.push(prefix);
  return new RedisPoolStore(new Redis(TEST_REDIS_URL), prefix);
};

test.after.always(async () => {
  for (const prefix of prefixes) await deleteKeys(TEST_REDIS_URL, prefix);
});

poolStoreContract('redis', () => openStore());

test('redis: two stores on one Redis share members, state and the rotation', async (t) => {
  const prefix = uniquePrefix();
  const one = await openStore(prefix);
  const two = await openStore(prefix);
  try {
    await one.registerPool('p', ['a', 'b', 'c']);
    await two.registerPool('p', ['a', 'b', 'c']);
    const picks = [];
    for (let index = 0; index < 6; index++) {
      const selection = await (index % 2 === 0 ? one : two).select('p', [], Date.now());
      picks.push(selection.kind === 'selected' ? selection.id : '-');
    }
    t.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c']);
    for (let index = 0; index < 3; index++) await one.record('p', 'b', { kind: 'rejected', status: 401, error: 'x', maxFailures: 3 }, Date.now());
    const seen = new Set<string>();
    for (let index = 0; index < 4; index++) {
      const selection = await two.select('p', [], Date.now());
      if (selection.kind === 'selected') seen.add(selection.id);
    }
    t.deepEqual([...seen].sort(), ['a', 'c']);
    await one.addKeys('p', [{ id: 'r', secret: 'sk-r' }]);
    t.deepEqual((await two.members('p')).at(-1), { id: 'r', secret: 'sk-r' });
  } finally {
    await one.close();
    await two.close();
  }
});

test('redis: merging keeps the newer copy of a key state', async (t) => {
  const store = await openStore();
  try {
    await store.registerPool('p', ['a']);
    await store.record('p', 'a', { kind: 'rejected', status: 401, error: 'new', maxFailures: 1 }, 2000);
    const [current] = await store.states('p');
    await store.mergeStates('p', [{ ...current!, failures: 0, invalidSince: null, lastError: 'old', updatedAt: 1000 }]);
    t.is((await store.states('p'))[0]!.lastError, 'new');
    await store.mergeStates('p', [{ ...current!, failures: 0, invalidSince: null, lastError: 'newer', updatedAt: 3000 }]);
    const [merged] = await store.states('p');
    t.is(merged!.lastError, 'newer');
    t.is(merged!.invalidSince, null);
  } finally {
    await store.close();
  }
});

test('redis: a newer copy merged in replaces the rests for models; an older one leaves them', async (t) => {
  const store = await openStore();
  try {
    await store.registerPool('p', ['a']);
    await store.record('p', 'a', { kind: 'cooldown', status: 429, error: 'x', until: 9000 }, 2000, 'pro');
    const [current] = await store.states('p');
    await store.mergeStates('p', [{ ...current!, coolingModels: { flash: 5000 }, updatedAt: 1000 }]);
    t.deepEqual((await store.states('p'))[0]!.coolingModels, { pro: 9000 });
    await store.mergeStates('p', [{ ...current!, coolingModels: { flash: 5000, 'models/gemini-2.5-pro': 6000 }, updatedAt: 3000 }]);
    t.deepEqual((await store.states('p'))[0]!.coolingModels, { flash: 5000, 'models/gemini-2.5-pro': 6000 });
  } finally {
    await store.close();
  }
});
