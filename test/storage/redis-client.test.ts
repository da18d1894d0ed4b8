import test from 'ava';
import { RedisClientKeyStore } from '../../src/access/client-keys/client-key-store.js';
import { RedisConfigHistory } from '../../src/config/online/redis-config-history.js';
import { redisForTest, TEST_REDIS_URL } from '../helpers/redis.js';

test('client keys stored under the names used before the hash tag are taken over on a single server', async (t) => {
  const { redis, prefix } = redisForTest(t);
  const key = { id: 'ck_0123456789abcdef', hash: 'h'.repeat(64), name: 'old' };
  await redis.hset(`${prefix}client-keys`, key.id, JSON.stringify(key));
  await redis.hset(`${prefix}client-key-hashes`, key.hash, key.id);
  const store = new RedisClientKeyStore(redis, prefix);
  await store.adoptLegacyKeys();
  t.is((await store.findByHash(key.hash))?.name, 'old');
  t.is(await redis.exists(`${prefix}client-keys`, `${prefix}client-key-hashes`), 0);
  await store.adoptLegacyKeys();
  t.is((await store.get(key.id))?.name, 'old', 'taking over twice changes nothing');
});

test('config revisions stored under the names used before the hash tag are taken over on a single server', async (t) => {
  const { redis, prefix } = redisForTest(t);
  const revision = { revision: 1, version: 'v1', source: 'online', at: new Date(0).toISOString(), by: 'admin', fileVersion: null, document: {} };
  await redis.set(`${prefix}config:latest`, '1');
  await redis.hset(`${prefix}config:revisions`, '1', JSON.stringify(revision));
  await redis.lpush(`${prefix}config:order`, '1');
  const history = new RedisConfigHistory(TEST_REDIS_URL, prefix);
  t.teardown(() => history.close());
  t.is((await history.latest())?.version, 'v1');
  t.is((await history.list()).length, 1);
});
