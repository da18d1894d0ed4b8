import test from 'ava';
import { Redis } from 'ioredis';
import { MemoryRoutingStateStore, RedisRoutingStateStore } from '../../../src/routing/groups/routing-state-store.js';
import { TargetBoard, type RoutingStateStore } from '../../../src/routing/groups/target-board.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const policy = { afterFailures: 3, coolOffMs: 1000, maxCoolOffMs: 3000 };

function clock(start = Date.UTC(2026, 11, 4, 12, 0, 5)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const board = (store: RoutingStateStore, id: string, time = clock()) => new TargetBoard(store, id, 0, (error) => { throw error; }, time.now);

test('a target failing three times in a row is ejected, probed back by one call at a time after its cool-off, and restored by a success', (t) => {
  const time = clock();
  const targets = board(new MemoryRoutingStateStore(), 'one', time);
  targets.failed('up/m', policy);
  targets.succeeded('up/m');
  targets.failed('up/m', policy);
  targets.failed('up/m', policy);
  t.true(targets.admits('up/m'), 'a success broke the run of failures');
  targets.failed('up/m', policy);
  t.false(targets.admits('up/m'));
  time.advance(1000);
  t.true(targets.admits('up/m'), 'past the cool-off');
  targets.started('up/m');
  t.false(targets.admits('up/m'), 'one probe at a time');
  targets.succeeded('up/m');
  targets.finished('up/m');
  t.true(targets.admits('up/m'));
  t.true(targets.admits('up/m'));
});

test('a failed probe ejects the target again for twice as long, up to the maximum', (t) => {
  const time = clock();
  const targets = board(new MemoryRoutingStateStore(), 'one', time);
  for (let failure = 0; failure < 3; failure++) targets.failed('up/m', policy);
  const cooling = (ms: number) => {
    time.advance(ms - 1);
    const still = !targets.admits('up/m');
    time.advance(1);
    const back = targets.admits('up/m');
    targets.started('up/m');
    return still && back;
  };
  t.true(cooling(1000));
  targets.failed('up/m', policy);
  t.true(cooling(2000));
  targets.failed('up/m', policy);
  t.true(cooling(3000), 'capped at maxCoolOffMs');
});

test('in-flight counts and the latency average', (t) => {
  const targets = board(new MemoryRoutingStateStore(), 'one');
  targets.started('a');
  targets.started('a');
  targets.started('b');
  targets.measured('a', 100);
  targets.finished('a');
  t.is(targets.inFlight('a'), 1);
  t.is(targets.inFlight('b'), 1);
  t.is(targets.latencyMs('a'), 100);
  targets.started('a');
  targets.measured('a', 200);
  t.is(targets.latencyMs('a'), 130, 'a moving average');
  t.is(targets.latencyMs('b'), undefined);
});

async function sharedAcrossInstances(t: import('ava').ExecutionContext, store: () => RoutingStateStore) {
  const time = clock();
  const first = board(store(), 'first', time);
  const second = board(store(), 'second', time);
  first.started('up/m');
  first.started('up/m');
  first.addTokens('up/m', 700);
  second.addTokens('up/m', 300);
  first.measured('up/m', 40);
  first.finished('up/m');
  for (let failure = 0; failure < 3; failure++) first.failed('up/m', policy);
  await first.sync();
  await second.sync();
  t.is(second.inFlight('up/m'), 1, 'the other instance’s call in flight');
  t.is(second.latencyMs('up/m'), 40);
  t.is(second.tokensThisMinute('up/m'), 1000);
  t.false(second.admits('up/m'), 'the ejection is seen by the other instance');
  await first.sync();
  t.is(first.tokensThisMinute('up/m'), 1000);
  time.advance(60_000);
  t.is(second.tokensThisMinute('up/m'), 0, 'a new minute starts from nothing');
}

test('two instances on one memory store share in-flight calls, latency, tokens and ejections', (t) => {
  const shared = new MemoryRoutingStateStore();
  return sharedAcrossInstances(t, () => shared);
});

test('two instances on Redis share in-flight calls, latency, tokens and ejections', async (t) => {
  const prefix = uniquePrefix();
  const connections: Redis[] = [];
  t.teardown(async () => {
    for (const redis of connections) redis.disconnect();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });
  await sharedAcrossInstances(t, () => {
    const redis = new Redis(TEST_REDIS_URL);
    connections.push(redis);
    return new RedisRoutingStateStore(redis, prefix);
  });
});

test('an instance that stops reporting no longer counts', async (t) => {
  const store = new MemoryRoutingStateStore();
  const time = clock();
  const gone = board(store, 'gone', time);
  const live = board(store, 'live', time);
  gone.started('up/m');
  await gone.sync();
  await live.sync();
  t.is(live.inFlight('up/m'), 1);
  time.advance(6000);
  await live.sync();
  t.is(live.inFlight('up/m'), 0);
});
