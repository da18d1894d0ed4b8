import test from 'ava';
import { ReplyError } from 'ioredis';
import { toGatewayError } from '../../src/http/middleware/error-handler.js';
import { isStoreUnavailable } from '../../src/storage/store-unavailable.js';
import { createRedisClient } from '../../src/storage/redis-client.js';
import { freePort } from '../helpers/redis.js';

test('the errors of a Redis that is down, slow or full are told apart from real bugs', (t) => {
  const unavailable = [
    Object.assign(new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'), { name: 'MaxRetriesPerRequestError' }),
    new Error('Connection is closed.'),
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new Error('Command timed out'),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6390'), { code: 'ECONNREFUSED' }),
    new ReplyError("OOM command not allowed when used memory > 'maxmemory'."),
  ];
  for (const error of unavailable) {
    t.true(isStoreUnavailable(error), error.message);
    const answer = toGatewayError(error, 1024);
    t.is(answer.status, 503);
    t.is(answer.code, 'store_unavailable');
    t.regex(answer.message, /the state store \(Redis\) is unavailable/i);
  }
  for (const error of [new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'), new TypeError('x is undefined'), 'Connection is closed.']) {
    t.false(isStoreUnavailable(error), String(error));
    t.is(toGatewayError(error, 1024).status, 500);
  }
});

test('a command on the gateway’s Redis client fails at once, with an error recognised as unavailable, when nothing listens', async (t) => {
  const redis = createRedisClient(`redis://127.0.0.1:${await freePort()}`);
  t.teardown(() => redis.disconnect());
  const error = await t.throwsAsync(redis.get('anything'));
  t.true(isStoreUnavailable(error), error?.message);
});
