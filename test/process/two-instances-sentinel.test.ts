import test from 'ava';
import { redisCli, redisServerInstalled, waitFor } from '../helpers/redis-cluster.js';
import { OwnRedisSentinel } from '../helpers/redis-sentinel.js';
import { twoInstancesSharePool } from './shared-pool-scenario.js';

/** Clients of a server other than Sentinels, replicas and the redis-cli asking. */
const gatewayClients = (port: number) =>
  redisCli(port, 'client', 'list')
    .split('\n')
    .filter((line) => /flags=[NP]\b/.test(line) && !/name=sentinel/.test(line) && !/cmd=client\|list/.test(line)).length;

if (!redisServerInstalled()) {
  if (process.env.CI) test('a Sentinel set can be started (redis-server must be installed in CI)', (t) => t.fail('redis-server is not installed'));
  else test.skip('Sentinel tests skipped: redis-server is not installed on this machine', () => undefined);
} else {
  test('two gateway processes on a Sentinel set share the rotation and a retired key, and keep both through a failover', async (t) => {
    const sentinel = await OwnRedisSentinel.start();
    t.teardown(() => sentinel.stop());
    // The servers are thrown away with their keys when the test ends.
    await twoInstancesSharePool(t, sentinel.url, async () => undefined, async () => {
      t.true(gatewayClients(sentinel.masterPort) >= 2, 'both gateways use the first master');
      await sentinel.failover();
      t.is(sentinel.masterNow(), sentinel.replicaPort, 'the replica is the master now');
      await waitFor(() => gatewayClients(sentinel.replicaPort) >= 2, 'the gateways did not move to the new master', 200);
    });
    // The demoted master refused no write: the gateways wrote to the new one only.
    t.false(redisCli(sentinel.masterPort, 'info', 'errorstats').includes('errorstat_READONLY'));
  });
}
