import test from 'ava';
import { Cluster } from 'ioredis';
import { RedisClientKeyStore } from '../../src/access/client-keys/client-key-store.js';
import { RedisLimitStore } from '../../src/access/limits/redis-limit-store.js';
import { RedisStatsStore } from '../../src/access/stats/stats-store.js';
import { RedisConfigHistory } from '../../src/config/online/redis-config-history.js';
import { RedisSessionStore } from '../../src/console/session-store.js';
import { RedisKeyAffinityStore } from '../../src/keys/key-affinity-store.js';
import { KeyRateLimits } from '../../src/keys/rate-limits.js';
import { RedisPoolStore } from '../../src/keys/redis-pool-store.js';
import { RedisLogStore } from '../../src/logging/redis-log-store.js';
import { RedisResponseStore } from '../../src/protocols/openai-responses/redis-response-store.js';
import { RedisRoutingStateStore } from '../../src/routing/groups/routing-state-store.js';
import { createRedisClient, readyWithin } from '../../src/storage/redis-client.js';
import { limitStoreContract } from '../access/limits/limit-store-contract.js';
import { poolStoreContract } from '../keys/pool-store-contract.js';
import { logStoreContract } from '../logging/log-store-contract.js';
import { capturedLogger } from '../helpers/logger.js';
import { clusterForTests } from '../helpers/redis-cluster.js';
import { uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

// Declared before the cluster, so the connections close before its servers stop.
const connections: { disconnect(): void }[] = [];
test.after.always(() => connections.forEach((connection) => connection.disconnect()));

const { cluster, available } = clusterForTests();

/** A connection through the gateway's own factory, from the cluster's REDIS_URL. */
const connect = async () => {
  const redis = createRedisClient(cluster().url);
  connections.push(redis);
  await readyWithin(redis, 10_000);
  return redis;
};

/** Keys spread over the masters: each holds some, so multi-key steps could not have passed by luck. */
async function mastersHoldingKeys(redis: Cluster, prefix: string): Promise<number> {
  let holding = 0;
  for (const node of redis.nodes('master')) {
    const [, keys] = await node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    if (keys.length > 0) holding += 1;
  }
  return holding;
}

if (available) {
  poolStoreContract('cluster', async () => new RedisPoolStore(await connect(), uniquePrefix()));
  limitStoreContract('cluster', async () => new RedisLimitStore(await connect(), uniquePrefix()));
  logStoreContract('cluster', async (options) => new RedisLogStore(await connect(), uniquePrefix(), options));

  test('cluster: REDIS_URL redis+cluster:// opens ioredis’s Cluster, and the stores’ keys land on every master', async (t) => {
    const redis = await connect();
    t.true(redis instanceof Cluster);
    const prefix = uniquePrefix();
    const pools = new RedisPoolStore(redis, prefix);
    const limits = new RedisLimitStore(redis, prefix);
    for (let index = 0; index < 12; index++) {
      await pools.registerPool(`pool-${index}`, ['a', 'b']);
      await limits.admit(`ck_${index}`, { requestsPerMinute: 5 }, `ticket-${index}`, { minute: '1', hour: '1', day: '1', month: '1', secondsToNextMinute: 60, secondsToNextDay: 60, secondsToNextMonth: 60 }, 60_000);
    }
    t.is(await mastersHoldingKeys(redis as Cluster, prefix), 3);
  });

  test('cluster: statistics add and sum over windows held by different masters', async (t) => {
    const store = new RedisStatsStore(await connect(), uniquePrefix());
    const windows = Array.from({ length: 8 }, (_, index) => `2026112${index}`);
    await store.add(new Map(windows.map((window) => [`day:${window}`, new Map([['m|gpt-4o|req', 1], ['m|gpt-4o|tt', 10]])])));
    t.deepEqual(Object.fromEntries(await store.read('day', windows)), { 'm|gpt-4o|req': 8, 'm|gpt-4o|tt': 80 });
  });

  test('cluster: logs prune both streams', async (t) => {
    const store = new RedisLogStore(await connect(), uniquePrefix(), { retentionMs: 1000, maxRecords: 100 });
    await t.notThrowsAsync(store.prune(Date.now()));
  });

  test('cluster: client keys are created, found by their hash, refused twice and deleted', async (t) => {
    const store = new RedisClientKeyStore(await connect(), uniquePrefix());
    const key = { id: 'ck_0123456789abcdef', name: 'n', description: '', hash: 'h'.repeat(64), hint: 'sk-…', models: [], defaultModel: null, expiresAt: null, limits: {}, disabled: false, createdAt: 1, updatedAt: 1 };
    t.true(await store.create(key));
    t.false(await store.create({ ...key, id: 'ck_other' }), 'the hash is taken');
    t.true(await store.replace({ ...key, name: 'renamed' }));
    t.is((await store.findByHash(key.hash))?.name, 'renamed');
    t.is((await store.delete(key.id))?.id, key.id);
    t.is(await store.findByHash(key.hash), undefined);
    t.deepEqual(await store.list(), []);
  });

  test('cluster: config revisions are a compare-and-set, and every instance hears of a commit through pub/sub', async (t) => {
    const prefix = uniquePrefix();
    const [writer, listener] = [new RedisConfigHistory(cluster().url, prefix), new RedisConfigHistory(cluster().url, prefix)];
    t.teardown(() => Promise.all([writer.close(), listener.close()]));
    const entry = (version: string) => ({ version, source: 'online' as const, at: new Date(0).toISOString(), by: 'admin', fileVersion: null, document: {} });
    t.is((await writer.commit(0, entry('a')))?.revision, 1);
    t.is(await listener.commit(0, entry('b')), undefined, 'a commit on a stale revision is refused');
    t.deepEqual((await listener.list()).map((revision) => revision.version), ['a']);
    const heard = new Promise<number>((resolve) => listener.subscribe(resolve));
    let revision = 1;
    const timer = setInterval(() => void writer.commit(revision, entry(`v${revision}`)).then((stored) => (revision = stored?.revision ?? revision)), 50);
    t.teardown(() => clearInterval(timer));
    t.true((await heard) >= 2);
  });

  test('cluster: two instances exchange routing state', async (t) => {
    const prefix = uniquePrefix();
    const [one, two] = [new RedisRoutingStateStore(await connect(), prefix), new RedisRoutingStateStore(await connect(), prefix)];
    const update = (instanceId: string, inFlight: number) => ({
      instanceId,
      now: Date.now(),
      minute: '1',
      inFlight: new Map([['up/m', inFlight]]),
      latencyMs: new Map([['up/m', 100]]),
      tokens: new Map([['up/m', 10]]),
    });
    await one.setEjection('up/x', { until: 5, count: 1 });
    await one.exchange(update('one', 2));
    const seen = await two.exchange(update('two', 1));
    t.is(seen.inFlight.get('up/m'), 2);
    t.is(seen.tokens.get('up/m'), 20);
    t.deepEqual(seen.ejections.get('up/x'), { until: 5, count: 1 });
  });

  test('cluster: sessions, stored responses and key affinity keep their records', async (t) => {
    const redis = await connect();
    const prefix = uniquePrefix();
    const { logger } = capturedLogger();
    const sessions = new RedisSessionStore(redis, prefix);
    await sessions.put('hash', { csrfToken: 'c', expiresAt: Date.now() + 60_000 });
    t.is((await sessions.get('hash'))?.csrfToken, 'c');
    const responses = new RedisResponseStore(redis, prefix, 60_000, logger);
    await responses.save('resp_1', { owner: 'o' } as never);
    t.truthy(await responses.load('resp_1', 'o'));
    const affinity = new RedisKeyAffinityStore(redis, prefix, logger);
    await affinity.set('files/abc', 'key-1', 60_000);
    t.is(await affinity.get('files/abc'), 'key-1');
  });

  test('cluster: two instances share a key’s requests per minute (bottleneck) and its tokens per minute', async (t) => {
    const prefix = uniquePrefix();
    const redis = { url: cluster().url, prefix, available: () => true };
    const { logger } = capturedLogger();
    const [first, second] = [new KeyRateLimits({ p: { rpm: 2, tpm: 100 } }, logger, redis), new KeyRateLimits({ p: { rpm: 2, tpm: 100 } }, logger, redis)];
    t.teardown(() => Promise.all([first.close(), second.close()]));
    await first.run('p', 'key-a', async () => undefined, 2000);
    await first.run('p', 'key-a', async () => undefined, 2000);
    first.used('p', 'key-b', 50);
    second.used('p', 'key-b', 50);
    await waitFor(() => second.isFull('p', 'key-a'), 'the other instance seeing the minute used up', 5000);
    await waitFor(() => first.isFull('p', 'key-b'), 'the first instance seeing both calls’ tokens', 5000);
    t.false(await second.isFull('p', 'key-c'));
  });
}
