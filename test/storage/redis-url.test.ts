import test from 'ava';
import { parseRedisUrl } from '../../src/storage/redis-url.js';

test('redis:// and rediss:// name one server and pass through as they are', (t) => {
  t.deepEqual(parseRedisUrl('redis://:pw@10.0.0.1:6380/2'), { kind: 'single', url: 'redis://:pw@10.0.0.1:6380/2' });
  t.deepEqual(parseRedisUrl('rediss://cache.example'), { kind: 'single', url: 'rediss://cache.example' });
});

test('redis+cluster:// lists the nodes to start from, with credentials for every node and TLS for rediss+cluster', (t) => {
  t.deepEqual(parseRedisUrl('redis+cluster://127.0.0.1:7101,127.0.0.1:7102,redis-2'), {
    kind: 'cluster',
    nodes: [
      { host: '127.0.0.1', port: 7101 },
      { host: '127.0.0.1', port: 7102 },
      { host: 'redis-2', port: 6379 },
    ],
    credentials: {},
    tls: false,
  });
  t.like(parseRedisUrl('rediss+cluster://app:p%40ss@a:1,b:2/'), { kind: 'cluster', credentials: { username: 'app', password: 'p@ss' }, tls: true });
});

test('redis+sentinel:// lists the sentinels and ends with the master’s name and an optional database', (t) => {
  t.deepEqual(parseRedisUrl('redis+sentinel://:secret@s1:26379,s2/mymaster'), {
    kind: 'sentinel',
    sentinels: [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ],
    masterName: 'mymaster',
    db: 0,
    credentials: { password: 'secret' },
    tls: false,
  });
  t.like(parseRedisUrl('redis+sentinel://s1:26379/mymaster/3'), { masterName: 'mymaster', db: 3 });
});

test('a URL it cannot read is refused with what is expected, never echoing a password', (t) => {
  for (const url of ['http://redis', 'redis+sentinel://s1:26379', 'redis+sentinel://s1/m/x', 'redis+cluster://a:1/0', 'redis+cluster://a:99999', 'redis+mesh://a:1']) {
    t.throws(() => parseRedisUrl(url), undefined, url);
  }
  const error = t.throws(() => parseRedisUrl('redis+cluster://:hunter2@a:1,b:x'));
  t.false(error.message.includes('hunter2'));
});
