import test from 'ava';
import type { PoolStore } from '../../src/keys/pool-store.js';

/**
 * The behaviour every pool store must have. Run against the memory store and the Redis store, so the two stay
 * interchangeable.
 */
export function poolStoreContract(name: string, open: () => Promise<PoolStore>): void {
  const t0 = 1_800_000_000_000;
  const rejected = { kind: 'rejected' as const, status: 401, error: 'bad key', maxFailures: 3 };

  const withStore = (title: string, body: (t: import('ava').ExecutionContext, store: PoolStore) => Promise<void>) =>
    test(`${name}: ${title}`, async (t) => {
      const store = await open();
      try {
        await body(t, store);
      } finally {
        await store.close();
      }
    });

  const pick = async (store: PoolStore, exclude: string[] = [], now = t0) => {
    const selection = await store.select('p', exclude, now);
    return selection.kind === 'selected' ? selection.id : selection;
  };

  withStore('registering keeps the configured order and earlier members', async (t, store) => {
    t.deepEqual(await store.registerPool('p', ['a', 'b']), [{ id: 'a' }, { id: 'b' }]);
    t.deepEqual(await store.registerPool('p', ['c', 'a']), [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  });

  withStore('recording says when an outcome retired a key, once', async (t, store) => {
    await store.registerPool('p', ['a']);
    const transient = { kind: 'transient' as const, status: 503, error: 'down', maxFailures: 3, restMs: 1000 };
    t.deepEqual([await store.record('p', 'a', rejected, t0), await store.record('p', 'a', rejected, t0)], [false, false]);
    t.true(await store.record('p', 'a', rejected, t0), 'the third bad-key answer retires it');
    t.false(await store.record('p', 'a', rejected, t0), 'a key already retired is not retired again');
    for (let index = 0; index < 3; index++) t.false(await store.record('p', 'a', transient, t0));
    t.false(await store.record('p', 'a', { kind: 'cooldown', status: 429, error: 'x', until: t0 + 1000 }, t0));
    await store.resetKeys('p', ['a'], t0);
    t.false(await store.record('p', 'a', { kind: 'success' }, t0));
    for (let index = 0; index < 2; index++) await store.record('p', 'a', rejected, t0);
    t.true(await store.record('p', 'a', rejected, t0), 'a reset key can be retired again');
  });

  withStore('selection goes round robin over usable keys', async (t, store) => {
    await store.registerPool('p', ['a', 'b', 'c']);
    const picks = [];
    for (let index = 0; index < 7; index++) picks.push(await pick(store));
    t.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  withStore('300 selections over 3 keys give each key 100', async (t, store) => {
    await store.registerPool('p', ['a', 'b', 'c']);
    const counts: Record<string, number> = {};
    for (let index = 0; index < 300; index++) {
      const id = (await pick(store)) as string;
      counts[id] = (counts[id] ?? 0) + 1;
    }
    t.deepEqual(counts, { a: 100, b: 100, c: 100 });
    t.deepEqual(
      (await store.states('p')).map((state) => state.calls),
      [100, 100, 100],
    );
  });

  withStore('excluded, invalid and cooling keys are skipped; the rotation stays even over the rest', async (t, store) => {
    await store.registerPool('p', ['a', 'b', 'c', 'd']);
    for (let index = 0; index < 3; index++) await store.record('p', 'b', rejected, t0);
    await store.record('p', 'c', { kind: 'cooldown', status: 429, error: 'slow down', until: t0 + 5000 }, t0);
    t.deepEqual([await pick(store), await pick(store), await pick(store), await pick(store)], ['a', 'd', 'a', 'd']);
    t.is(await pick(store, ['a']), 'd');
    t.is(await pick(store, [], t0 + 5000), 'a', 'a cooldown ends at its time');
  });

  withStore('when nothing is usable the answer says why and when', async (t, store) => {
    await store.registerPool('p', ['a', 'b', 'c']);
    for (let index = 0; index < 3; index++) await store.record('p', 'a', rejected, t0);
    await store.record('p', 'b', { kind: 'cooldown', status: 429, error: 'x', until: t0 + 9000 }, t0);
    await store.record('p', 'c', { kind: 'cooldown', status: 429, error: 'x', until: t0 + 4000 }, t0);
    t.deepEqual(await store.select('p', [], t0 + 1), { kind: 'unavailable', total: 3, invalid: 1, cooling: 2, soonestCoolingEnd: t0 + 4000 });
    t.deepEqual(await store.select('empty', [], t0), { kind: 'unavailable', total: 0, invalid: 0, cooling: 0, soonestCoolingEnd: null });
  });

  withStore('bad-key answers retire a key at the limit; a success in between starts the count again', async (t, store) => {
    await store.registerPool('p', ['a']);
    await store.record('p', 'a', rejected, t0);
    await store.record('p', 'a', rejected, t0);
    await store.record('p', 'a', { kind: 'success' }, t0);
    let [state] = await store.states('p');
    t.is(state!.failures, 0);
    t.is(state!.invalidSince, null);
    for (let index = 0; index < 3; index++) await store.record('p', 'a', rejected, t0 + index);
    [state] = await store.states('p');
    t.is(state!.failures, 3);
    t.is(state!.invalidSince, t0 + 2);
    t.is(state!.lastStatus, 401);
    t.is(state!.lastError, 'bad key');
  });

  withStore('transient failures rest a key at the limit instead of retiring it', async (t, store) => {
    await store.registerPool('p', ['a']);
    const transient = { kind: 'transient' as const, status: 502, error: 'reset', maxFailures: 2, restMs: 30_000 };
    await store.record('p', 'a', transient, t0);
    t.is((await store.states('p'))[0]!.coolingUntil, null);
    await store.record('p', 'a', transient, t0);
    const [state] = await store.states('p');
    t.is(state!.invalidSince, null);
    t.is(state!.coolingUntil, t0 + 30_000);
  });

  withStore('a cooldown does not count toward retirement', async (t, store) => {
    await store.registerPool('p', ['a']);
    for (let index = 0; index < 5; index++) await store.record('p', 'a', { kind: 'cooldown', status: 429, error: 'x', until: t0 + 1000 }, t0);
    const [state] = await store.states('p');
    t.is(state!.failures, 0);
    t.is(state!.invalidSince, null);
    t.is(state!.coolingUntil, t0 + 1000);
  });

  withStore('keys added at run time carry their secret; removed keys stay out until added again', async (t, store) => {
    await store.registerPool('p', ['a', 'b']);
    await store.addKeys('p', [{ id: 'r', secret: 'sk-runtime' }]);
    t.deepEqual(await store.members('p'), [{ id: 'a' }, { id: 'b' }, { id: 'r', secret: 'sk-runtime' }]);
    await store.removeKeys('p', ['a', 'r']);
    t.deepEqual(await store.members('p'), [{ id: 'b' }]);
    t.deepEqual(await store.registerPool('p', ['a', 'b']), [{ id: 'b' }], 'a removed configured key does not come back');
    await store.addKeys('p', [{ id: 'a', secret: 'sk-a' }]);
    t.deepEqual(await store.members('p'), [{ id: 'b' }, { id: 'a', secret: 'sk-a' }]);
  });

  withStore('reset makes keys usable again', async (t, store) => {
    await store.registerPool('p', ['a', 'b']);
    for (let index = 0; index < 3; index++) await store.record('p', 'a', rejected, t0);
    await store.record('p', 'b', { kind: 'cooldown', status: 429, error: 'x', until: t0 + 60_000 }, t0);
    await store.resetKeys('p', ['a', 'b', 'not-a-member'], t0);
    const states = await store.states('p');
    t.deepEqual(
      states.map((state) => [state.id, state.failures, state.invalidSince, state.coolingUntil]),
      [
        ['a', 0, null, null],
        ['b', 0, null, null],
      ],
    );
    t.is(states.length, 2);
  });

  const rateLimited = (until: number) => ({ kind: 'cooldown' as const, status: 429, error: 'RESOURCE_EXHAUSTED', until });
  const pickFor = async (store: PoolStore, model: string, exclude: string[] = [], now = t0) => {
    const selection = await store.select('p', exclude, now, model);
    return selection.kind === 'selected' ? selection.id : selection;
  };

  withStore('a key rate limited for one model still serves the others, and is counted cooling for that one', async (t, store) => {
    await store.registerPool('p', ['a', 'b']);
    await store.record('p', 'a', rateLimited(t0 + 5000), t0, 'gemini-2.5-pro');
    t.deepEqual([await pickFor(store, 'gemini-2.5-flash'), await pickFor(store, 'gemini-2.5-flash')], ['a', 'b']);
    t.deepEqual([await pickFor(store, 'gemini-2.5-pro'), await pickFor(store, 'gemini-2.5-pro')], ['b', 'b']);
    t.is(await pickFor(store, 'gemini-2.5-pro', ['a']), 'b', 'a key cooling for the model is not picked even when the others are excluded');
    t.deepEqual(await store.select('p', ['b'], t0 + 1, 'gemini-2.5-pro'), { kind: 'unavailable', total: 2, invalid: 0, cooling: 1, soonestCoolingEnd: t0 + 5000 });
    t.deepEqual([await pick(store), await pick(store)], ['a', 'b'], 'a call for no model (a model list) may use it');
    const [state] = await store.states('p');
    t.is(state!.coolingUntil, null);
    t.deepEqual(state!.coolingModels, { 'gemini-2.5-pro': t0 + 5000 });
    t.is(state!.failures, 0);
    t.is(state!.lastStatus, 429);
  });

  withStore('a rest for a model ends at its time and is then forgotten', async (t, store) => {
    await store.registerPool('p', ['a']);
    await store.record('p', 'a', rateLimited(t0 + 1000), t0, 'pro');
    await store.record('p', 'a', rateLimited(t0 + 3000), t0, 'flash');
    t.like(await store.select('p', [], t0 + 999, 'pro'), { kind: 'unavailable', cooling: 1, soonestCoolingEnd: t0 + 1000 });
    t.is(await pickFor(store, 'pro', [], t0 + 1000), 'a');
    t.deepEqual((await store.states('p'))[0]!.coolingModels, { flash: t0 + 3000 }, 'the ended rest was dropped when selection saw it');
    await store.record('p', 'a', rateLimited(t0 + 9000), t0 + 5000, 'lite');
    t.deepEqual((await store.states('p'))[0]!.coolingModels, { lite: t0 + 9000 }, 'recording a rest drops the ended ones');
  });

  withStore('a rest for the key and one for a model: the key is usable for the model when both have ended', async (t, store) => {
    await store.registerPool('p', ['a']);
    await store.record('p', 'a', rateLimited(t0 + 3000), t0);
    await store.record('p', 'a', rateLimited(t0 + 8000), t0, 'pro');
    t.like(await store.select('p', [], t0, 'pro'), { kind: 'unavailable', cooling: 1, soonestCoolingEnd: t0 + 8000 });
    t.like(await store.select('p', [], t0, 'flash'), { kind: 'unavailable', cooling: 1, soonestCoolingEnd: t0 + 3000 });
    t.is(await pickFor(store, 'flash', [], t0 + 3000), 'a');
    t.like(await store.select('p', [], t0 + 3000, 'pro'), { kind: 'unavailable', cooling: 1, soonestCoolingEnd: t0 + 8000 });
  });

  withStore('a rest without a model, bad-key answers and transient failures stop the key for every model', async (t, store) => {
    await store.registerPool('p', ['a', 'b', 'c']);
    await store.record('p', 'a', rateLimited(t0 + 5000), t0);
    for (let index = 0; index < 3; index++) await store.record('p', 'b', rejected, t0, 'pro');
    const transient = { kind: 'transient' as const, status: 503, error: 'overloaded', maxFailures: 1, restMs: 7000 };
    await store.record('p', 'c', transient, t0, 'pro');
    t.deepEqual(await store.select('p', [], t0 + 1, 'flash'), { kind: 'unavailable', total: 3, invalid: 1, cooling: 2, soonestCoolingEnd: t0 + 5000 });
    const states = await store.states('p');
    t.deepEqual(
      states.map((state) => [state.id, state.coolingUntil, state.invalidSince, state.coolingModels]),
      [
        ['a', t0 + 5000, null, {}],
        ['b', null, t0, {}],
        ['c', t0 + 7000, null, {}],
      ],
    );
  });

  withStore('reset clears the rests for models too', async (t, store) => {
    await store.registerPool('p', ['a']);
    await store.record('p', 'a', rateLimited(t0 + 60_000), t0, 'pro');
    await store.record('p', 'a', rateLimited(t0 + 60_000), t0, 'flash');
    await store.resetKeys('p', ['a'], t0);
    t.deepEqual((await store.states('p'))[0]!.coolingModels, {});
    t.is(await pickFor(store, 'pro'), 'a');
  });

  withStore('a lock has one holder at a time and expires', async (t, store) => {
    t.true(await store.tryLock('job', 'one', 200));
    t.false(await store.tryLock('job', 'two', 200));
    t.true(await store.tryLock('job', 'one', 200), 'the holder may renew');
    await store.releaseLock('job', 'two');
    t.false(await store.tryLock('job', 'two', 200), 'only the holder releases');
    await store.releaseLock('job', 'one');
    t.true(await store.tryLock('job', 'two', 100));
    await new Promise((resolve) => setTimeout(resolve, 150));
    t.true(await store.tryLock('job', 'three', 100), 'an expired lock is free');
  });
}
