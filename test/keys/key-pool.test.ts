import test from 'ava';
import { keyId } from '../../src/keys/key-identity.js';
import { KeyPool, type Acquisition, type KeyAvailability } from '../../src/keys/key-pool.js';
import { MemoryPoolStore } from '../../src/keys/memory-pool-store.js';
import type { PoolStore } from '../../src/keys/pool-store.js';
import { KeyRateLimits } from '../../src/keys/rate-limits.js';
import { RedisPoolStore } from '../../src/keys/redis-pool-store.js';
import { deferred } from '../helpers/deferred.js';
import { capturedLogger } from '../helpers/logger.js';
import { redisForTest } from '../helpers/redis.js';

const rejected = { kind: 'rejected' as const, status: 401, error: 'bad key', maxFailures: 2 };
const transient = { kind: 'transient' as const, status: 500, error: 'oops', maxFailures: 3, restMs: 60_000 };

async function openPool(secrets: string[], options: { keyless?: boolean; availability?: KeyAvailability; store?: PoolStore } = {}) {
  const { logger, lines } = capturedLogger();
  const pool = new KeyPool('p', options.store ?? new MemoryPoolStore(), secrets, options.keyless ?? false, logger, options.availability);
  await pool.init();
  return { pool, lines };
}

/** The secret an acquisition leased, or what it got instead. */
const secretOf = (acquisition: Acquisition): string | undefined => (acquisition.kind === 'leased' ? acquisition.lease.secret : acquisition.kind);

async function retire(pool: KeyPool, ...secrets: string[]): Promise<void> {
  for (const secret of secrets) for (let index = 0; index < rejected.maxFailures; index++) await pool.record(keyId(secret), rejected);
}

test('keys are leased in their configured order, round robin, with their ids and secrets', async (t) => {
  const { pool } = await openPool(['sk-a', 'sk-b', 'sk-c']);
  const leases = [];
  for (let index = 0; index < 4; index++) leases.push(await pool.acquire([]));
  t.deepEqual(leases.map(secretOf), ['sk-a', 'sk-b', 'sk-c', 'sk-a']);
  t.deepEqual(leases[1], { kind: 'leased', lease: { id: keyId('sk-b'), secret: 'sk-b', failures: 0 } });
});

test('a pool in memory without rate limits leases at once, without a turn of the event loop', async (t) => {
  const { pool } = await openPool(['sk-a', 'sk-b']);
  const acquisition = pool.acquire([]);
  t.false(acquisition instanceof Promise);
  t.is(secretOf(acquisition as Acquisition), 'sk-a');
  const limited = await openPool(['sk-a'], { availability: { isFull: async () => false, maxWaitMs: 0 } });
  t.true(limited.pool.acquire([]) instanceof Promise, 'rate limits are asked first');
});

test('a retried call skips the keys it tried; when it tried them all, a tried one is used again', async (t) => {
  const { pool } = await openPool(['sk-a', 'sk-b', 'sk-c']);
  t.is(secretOf(await pool.acquire([keyId('sk-a'), keyId('sk-b')])), 'sk-c');
  t.is(secretOf(await pool.acquire([keyId('sk-a'), keyId('sk-c')])), 'sk-b');
  const { pool: single } = await openPool(['sk-only']);
  t.is(secretOf(await single.acquire([keyId('sk-only')])), 'sk-only', 'a pool of one still gets its retries');
  await retire(pool, 'sk-a', 'sk-b');
  t.is(secretOf(await pool.acquire([keyId('sk-c')])), 'sk-c', 'a retired key is never the fallback');
});

test('a pool whose keys are all retired is unavailable, with the counts, even while a retry would accept tried keys', async (t) => {
  const { pool } = await openPool(['sk-a', 'sk-b']);
  await retire(pool, 'sk-a', 'sk-b');
  const expected = { kind: 'unavailable', total: 2, invalid: 2, cooling: 0, soonestCoolingEnd: null };
  t.deepEqual(await pool.acquire([]), expected);
  t.deepEqual(await pool.acquire([keyId('sk-a')]), expected);
});

test('a keyless upstream is called without a key while its pool is empty, and with keys once it has some', async (t) => {
  const { pool: keyless } = await openPool([], { keyless: true });
  t.deepEqual(await keyless.acquire([]), { kind: 'leased', lease: { id: undefined, secret: undefined, failures: 0 } });
  const { pool: needsKeys } = await openPool([]);
  t.deepEqual(await needsKeys.acquire([]), { kind: 'unavailable', total: 0, invalid: 0, cooling: 0, soonestCoolingEnd: null });
  await keyless.addKeys(['sk-added']);
  t.is(secretOf(await keyless.acquire([])), 'sk-added');
  await retire(keyless, 'sk-added');
  t.like(await keyless.acquire([]), { kind: 'unavailable', total: 1, invalid: 1 }, 'keys retired is not the same as no keys');
});

test('failures count until a success, which resets them; the lease carries the count', async (t) => {
  const { pool } = await openPool(['sk-a']);
  const id = keyId('sk-a');
  await pool.record(id, transient);
  await pool.record(id, transient);
  t.like(await pool.acquire([]), { kind: 'leased', lease: { failures: 2 } });
  await pool.record(id, { kind: 'success' });
  t.like(await pool.acquire([]), { kind: 'leased', lease: { failures: 0 } });
  t.like((await pool.states())[0], { failures: 0, invalidSince: null, coolingUntil: null });
});

test('a key at its rate limit is passed over; all at it is busy once the wait is up, not unavailable', async (t) => {
  const limits = new KeyRateLimits({ p: { rpm: 1 } }, capturedLogger().logger);
  t.teardown(() => limits.close());
  const { pool } = await openPool(['sk-a', 'sk-b'], { availability: { isFull: limits.isFull.bind(limits), maxWaitMs: 300 } });
  await limits.run('p', keyId('sk-a'), async () => undefined, 1000);
  t.is(secretOf(await pool.acquire([])), 'sk-b');
  t.is(secretOf(await pool.acquire([])), 'sk-b');
  await limits.run('p', keyId('sk-b'), async () => undefined, 1000);
  const started = Date.now();
  t.deepEqual(await pool.acquire([]), { kind: 'busy' });
  t.true(Date.now() - started >= 300, 'it waited for a key to free up');
});

test('when every key is at its limit the call waits, up to the bound, for one to free up', async (t) => {
  const limits = new KeyRateLimits({ p: { maxConcurrent: 1 } }, capturedLogger().logger);
  t.teardown(() => limits.close());
  const { pool } = await openPool(['sk-a'], { availability: { isFull: limits.isFull.bind(limits), maxWaitMs: 3000 } });
  const held = deferred();
  const holding = limits.run('p', keyId('sk-a'), async () => undefined, 1000, () => held.promise);
  await holding;
  setTimeout(held.resolve, 300);
  const started = Date.now();
  t.is(secretOf(await pool.acquire([])), 'sk-a');
  const waited = Date.now() - started;
  t.true(waited >= 250 && waited < 2000, `got the key after ${waited} ms`);
});

test('two instances over Redis: a key only the other instance knows is left to it, and its secret is not logged', async (t) => {
  const { redis, prefix } = redisForTest(t);
  const store = new RedisPoolStore(redis, prefix);
  const mine = await openPool(['sk-mine-1234567890'], { store });
  const theirs = await openPool(['sk-theirs-1234567890'], { store });
  t.deepEqual([await theirs.pool.acquire([]), await theirs.pool.acquire([])].map(secretOf), ['sk-theirs-1234567890', 'sk-theirs-1234567890']);
  t.is(secretOf(await mine.pool.acquire([])), 'sk-mine-1234567890');
  const added = await theirs.pool.addKeys(['sk-added-1234567890']);
  t.deepEqual(added, [keyId('sk-added-1234567890')]);
  const picks = new Set<string | undefined>();
  for (let index = 0; index < 4; index++) picks.add(secretOf(await mine.pool.acquire([])));
  t.deepEqual([...picks].sort(), ['sk-added-1234567890', 'sk-mine-1234567890'], 'a key added at run time is learnt from the store');
  t.like(theirs.lines[0], { level: 'warn', msg: 'pool member without a known secret skipped', provider: 'p' });
  t.false(JSON.stringify([...mine.lines, ...theirs.lines]).includes('sk-mine-1234567890'));
});
