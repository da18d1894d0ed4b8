import test from 'ava';
import { MemoryLimitStore } from '../../../src/access/limits/memory-limit-store.js';
import { limitStoreContract, NEXT_DAY, NEXT_MINUTE, NOW } from './limit-store-contract.js';

limitStoreContract('memory', async () => new MemoryLimitStore());

test('memory: a newer window drops the older ones of its period, so memory stays bounded', async (t) => {
  const store = new MemoryLimitStore();
  await store.admit('k', {}, 'a', NOW, 60_000);
  await store.settle('k', 'a', 10, NOW);
  await store.settle('k', 'b', 5, NEXT_MINUTE);
  t.like(await store.counters('k', NOW), { requestsThisMinute: 0, tokensThisMinute: 0, requestsToday: 1, tokensToday: 15, tokensTotal: 15 });
  await store.settle('k', 'c', 1, NEXT_DAY);
  t.like(await store.counters('k', NOW), { requestsToday: 0, tokensToday: 0, requestsThisMonth: 1, tokensThisMonth: 16, tokensTotal: 16 });
});
