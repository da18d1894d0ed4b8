import test from 'ava';
import { Redis } from 'ioredis';
import { RedisPoolStore } from '../../src/keys/redis-pool-store.js';
import { ResilientPoolStore } from '../../src/keys/resilient-pool-store.js';
import { capturedLogger } from '../helpers/logger.js';
import { OwnRedisServer, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';


test('Redis going away: the mirror serves, the fault is logged once, and state converges after Redis returns empty', async (t) => {
  const server = await OwnRedisServer.start();
  const { logger, lines } = capturedLogger();
  const client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, retryStrategy: () => 100 });
  client.on('error', () => undefined);
  const prefix = uniquePrefix();
  const store = new ResilientPoolStore(new RedisPoolStore(client, prefix), logger);
  try {
    await store.connected(3000);
    await store.registerPool('p', ['a', 'b', 'c']);
    await store.addKeys('p', [{ id: 'r', secret: 'sk-runtime' }]);
    t.false(store.degraded);

    await server.stop();
    // Selection keeps working from memory, and so does recording.
    const picks = [];
    for (let index = 0; index < 4; index++) {
      const selection = await store.select('p', [], Date.now());
      picks.push(selection.kind === 'selected' ? selection.id : '-');
    }
    t.true(store.degraded);
    t.deepEqual([...picks].sort(), ['a', 'b', 'c', 'r']);
    for (let index = 0; index < 3; index++) await store.record('p', 'b', { kind: 'rejected', status: 401, error: 'revoked', maxFailures: 3 }, Date.now());
    const during = await store.select('p', ['a', 'c', 'r'], Date.now());
    t.is(during.kind, 'unavailable', 'the key retired during the outage is not used');
    t.is(lines.filter((line) => /Redis is unreachable/.test(String(line.msg))).length, 1, 'logged once');

    await server.start();
    await waitFor(() => !store.degraded, 'resynchronisation');
    const direct = new RedisPoolStore(new Redis(server.url), prefix);
    try {
      t.deepEqual(
        (await direct.members('p')).map((member) => member.id),
        ['a', 'b', 'c', 'r'],
      );
      t.is((await direct.members('p')).at(-1)?.secret, 'sk-runtime');
      const b = (await direct.states('p')).find((state) => state.id === 'b');
      t.not(b?.invalidSince, null, 'the outage-time retirement reached Redis');
      t.is(b?.lastError, 'revoked');
    } finally {
      await direct.close();
    }
    t.true(lines.some((line) => /Redis is back/.test(String(line.msg))));
  } finally {
    await store.close();
    await server.stop();
  }
});
