import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { UpstreamError } from '../../src/core/errors.js';
import { keyId } from '../../src/keys/key-identity.js';
import { KeyPool } from '../../src/keys/key-pool.js';
import { KeyRecovery, type KeyProbe } from '../../src/keys/key-recovery.js';
import { MemoryPoolStore } from '../../src/keys/memory-pool-store.js';
import type { KeyPolicy } from '../../src/keys/outcome.js';
import type { PoolStore } from '../../src/keys/pool-store.js';
import { RedisPoolStore } from '../../src/keys/redis-pool-store.js';
import { capturedLogger } from '../helpers/logger.js';
import { redisForTest } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const policy: KeyPolicy = { maxFailures: 2, rateLimitCooldownMs: 30_000, quotaCooldownMs: 3_600_000, transientRestMs: 60_000 };
const rejected = { kind: 'rejected' as const, status: 401, error: 'bad key', maxFailures: policy.maxFailures };

/**
 * An upstream on loopback whose model list answers each key with the status in `statuses` (200 when absent), and
 * the probe that asks it, failing the way a provider does: an UpstreamError with the upstream's status.
 */
async function upstream(t: import('ava').ExecutionContext, statuses: Map<string, number>) {
  const probed: string[] = [];
  const server = createServer((request, response) => {
    const key = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    probed.push(key);
    const status = statuses.get(key) ?? 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? '{"object":"list","data":[]}' : `{"error":{"message":"status ${status}"}}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models`;
  const probe: KeyProbe = async (provider, secret) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${secret}` } });
    const text = await response.text();
    if (!response.ok) throw new UpstreamError(provider, 'http', response.status, text);
  };
  return { probe, probed };
}

async function setUp(t: import('ava').ExecutionContext, secrets: string[], statuses: Map<string, number>, store: PoolStore = new MemoryPoolStore(), intervalMs = 0) {
  const { logger, lines } = capturedLogger();
  const pool = new KeyPool('p', store, secrets, false, logger);
  await pool.init();
  const { probe, probed } = await upstream(t, statuses);
  const recovery = new KeyRecovery(new Map([['p', pool]]), store, probe, policy, intervalMs, logger);
  t.teardown(() => recovery.stop());
  const retire = async (...retired: string[]) => {
    for (const secret of retired) for (let index = 0; index < policy.maxFailures; index++) await pool.record(keyId(secret), rejected);
  };
  const state = async (secret: string) => (await pool.states()).find((entry) => entry.id === keyId(secret))!;
  return { pool, recovery, probed, lines, retire, state };
}

test('a retired key that works again is probed back into rotation; one still refused stays retired; working keys are not probed', async (t) => {
  const { pool, recovery, probed, lines, retire, state } = await setUp(t, ['sk-fixed', 'sk-broken', 'sk-fine'], new Map([['sk-broken', 401]]));
  await retire('sk-fixed', 'sk-broken');
  t.is(await recovery.runOnce(), 1);
  t.deepEqual(probed.sort(), ['sk-broken', 'sk-fixed']);
  t.like(await state('sk-fixed'), { invalidSince: null, failures: 0 });
  t.not((await state('sk-broken')).invalidSince, null);
  const picks = new Set<string | undefined>();
  for (let index = 0; index < 4; index++) {
    const acquisition = await pool.acquire([]);
    if (acquisition.kind === 'leased') picks.add(acquisition.lease.secret);
  }
  t.deepEqual([...picks].sort(), ['sk-fine', 'sk-fixed']);
  t.like(lines.at(-1), { msg: 'checked invalid upstream keys', provider: 'p', probed: 2, restored: 1 });
});

test('a retired key that answers 429 comes back, resting instead of retired', async (t) => {
  const { recovery, retire, state } = await setUp(t, ['sk-busy'], new Map([['sk-busy', 429]]));
  await retire('sk-busy');
  const before = Date.now();
  t.is(await recovery.runOnce(), 1);
  const after = await state('sk-busy');
  t.is(after.invalidSince, null);
  t.true(after.coolingUntil! >= before + policy.rateLimitCooldownMs, 'it rests for the rate-limit cooldown');
});

test('an operator verification retires a key the upstream refuses after one probe, and reports each key', async (t) => {
  const { pool, recovery, state } = await setUp(t, ['sk-good', 'sk-bad'], new Map([['sk-bad', 401]]));
  const results = await recovery.verify(pool, [keyId('sk-good'), keyId('sk-bad'), 'not-a-member']);
  t.deepEqual(
    results.map(({ id, status }) => ({ id, status })),
    [
      { id: keyId('sk-good'), status: 'valid' },
      { id: keyId('sk-bad'), status: 'invalid' },
      { id: 'not-a-member', status: 'unknown' },
    ],
  );
  t.not((await state('sk-bad')).invalidSince, null, 'one definite refusal is enough when an operator asks');
  t.is((await state('sk-good')).invalidSince, null);
});

test('periodic checks: the next check time is one interval ahead, a retired key comes back on its own, and stop clears it', async (t) => {
  const { recovery, retire, state } = await setUp(t, ['sk-a'], new Map(), new MemoryPoolStore(), 200);
  await retire('sk-a');
  t.is(recovery.nextCheckAt(), undefined, 'nothing scheduled before start');
  const started = Date.now();
  recovery.start();
  const first = recovery.nextCheckAt()!;
  t.true(first >= started + 200 && first <= Date.now() + 200);
  await waitFor(async () => (await state('sk-a')).invalidSince === null, 'the key coming back', 3000);
  await waitFor(() => recovery.nextCheckAt()! > first, 'the next check being scheduled', 1000);
  recovery.stop();
  t.is(recovery.nextCheckAt(), undefined);

  const { recovery: off } = await setUp(t, ['sk-b'], new Map());
  off.start();
  t.is(off.nextCheckAt(), undefined, 'an interval of 0 turns checks off');
});

test('with Redis, an instance probes nothing while another holds the recovery lock', async (t) => {
  const { redis, prefix } = redisForTest(t);
  const store = new RedisPoolStore(redis, prefix);
  const { recovery, probed, retire } = await setUp(t, ['sk-a'], new Map(), store);
  await retire('sk-a');
  t.true(await store.tryLock('key-recovery', 'the other instance', 60_000));
  t.is(await recovery.runOnce(), 0);
  t.deepEqual(probed, []);
  await store.releaseLock('key-recovery', 'the other instance');
  t.is(await recovery.runOnce(), 1);
});
