import test from 'ava';
import { deleteKeys, TEST_REDIS_URL } from '../helpers/redis.js';
import { twoInstancesSharePool } from './shared-pool-scenario.js';

test('two gateway processes on one Redis share the rotation, and a key retired through one is skipped by the other', (t) =>
  twoInstancesSharePool(t, TEST_REDIS_URL, (prefix) => deleteKeys(TEST_REDIS_URL, prefix)));
