import test from 'ava';
import { clusterForTests } from '../helpers/redis-cluster.js';
import { twoInstancesSharePool } from './shared-pool-scenario.js';

const { cluster, available } = clusterForTests();

if (available) {
  test('two gateway processes on a Redis Cluster share the rotation, and a key retired through one is skipped by the other', (t) =>
    // The cluster is thrown away with its keys when the file ends.
    twoInstancesSharePool(t, cluster().url, async () => undefined));
}
