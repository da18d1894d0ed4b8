import test from 'ava';
import { CancellationSource } from '../../src/core/cancellation.js';
import { GatewayError, RequestAbortedError, UpstreamError } from '../../src/core/errors.js';
import { KeyPool } from '../../src/keys/key-pool.js';
import { keyId } from '../../src/keys/key-identity.js';
import { MemoryPoolStore } from '../../src/keys/memory-pool-store.js';
import { createLogger } from '../../src/logging/logger.js';
import type { ConfiguredProvider } from '../../src/providers/registry.js';
import { Dispatcher, type RetryPolicy, type RoutePlan } from '../../src/routing/dispatcher.js';
import type { FallbackReason } from '../../src/routing/fallback-reason.js';
import type { ModelRoute } from '../../src/routing/model-resolver.js';

const silent = createLogger('silent');
const policy: RetryPolicy = { maxFailures: 3, rateLimitCooldownMs: 60_000, quotaCooldownMs: 3_600_000, transientRestMs: 30_000, maxAttempts: 3, deadlineMs: 10_000, rateLimitMaxWaitMs: 0 };

/** A route to a provider known only by its id: the dispatcher reads nothing else of a target. */
const route = (provider: string): ModelRoute => ({ target: { settings: { id: provider } } as ConfiguredProvider, upstreamModel: 'model-x' });

async function setUp(keysByProvider: Record<string, string[]>, overrides: Partial<RetryPolicy> = {}) {
  const store = new MemoryPoolStore();
  const pools = new Map(Object.entries(keysByProvider).map(([provider, keys]) => [provider, new KeyPool(provider, store, keys, false, silent)] as const));
  await Promise.all([...pools.values()].map((pool) => pool.init()));
  return { pools, dispatcher: new Dispatcher(pools, { ...policy, ...overrides }, silent) };
}

const upstream = (status: number, options: ConstructorParameters<typeof UpstreamError>[4] = {}) => new UpstreamError('p', 'http', status, `upstream said ${status}`, options);

test('a key the upstream rejects is counted, the call goes on with the next key, and the record names both attempts', async (t) => {
  const { pools, dispatcher } = await setUp({ alpha: ['key-one', 'key-two'] });
  const seen: (string | undefined)[] = [];
  const result = await dispatcher.dispatch({ routes: [route('alpha')] }, async (_route, apiKey) => {
    seen.push(apiKey);
    if (seen.length === 1) throw upstream(401);
    return `answered with ${apiKey}`;
  });
  t.true(result.ok);
  t.is(result.ok && result.value, `answered with ${seen[1]}`);
  t.is(new Set(seen).size, 2, 'a different key on the retry');
  t.is(result.attempts, 2);
  t.is(result.route?.target.settings.id, 'alpha');
  t.is(result.keyId, keyId(seen[1]!));
  t.deepEqual(result.failures, [{ provider: 'alpha', model: 'model-x', keyId: keyId(seen[0]!), status: 401, code: null, message: 'upstream said 401' }]);
  const rejected = (await pools.get('alpha')!.states()).find((state) => state.id === keyId(seen[0]!))!;
  t.is(rejected.failures, 1);
});

test('a client mistake is not retried and not counted against the key', async (t) => {
  const { pools, dispatcher } = await setUp({ alpha: ['key-one', 'key-two'] });
  let calls = 0;
  const result = await dispatcher.dispatch({ routes: [route('alpha'), route('alpha')] }, async () => {
    calls++;
    throw upstream(400);
  });
  t.false(result.ok);
  t.is(calls, 1, 'neither another key nor another route');
  t.is(!result.ok && (result.error as UpstreamError).status, 400);
  t.true((await pools.get('alpha')!.states()).every((state) => state.failures === 0 && state.invalidSince === null));
});

test('retries stop at maxAttempts, and the last upstream error is the answer', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['k1', 'k2', 'k3', 'k4'] }, { maxAttempts: 2 });
  let calls = 0;
  const result = await dispatcher.dispatch({ routes: [route('alpha')] }, async () => {
    calls++;
    throw upstream(503);
  });
  t.is(calls, 2);
  t.is(result.attempts, 2);
  t.is(result.failures.length, 2);
  t.is(!result.ok && (result.error as UpstreamError).status, 503);
});

test('a route whose pool has no usable key is passed over for the next route', async (t) => {
  const { dispatcher } = await setUp({ empty: [], beta: ['beta-key'] });
  const result = await dispatcher.dispatch({ routes: [route('empty'), route('beta')] }, async (target, apiKey) => `${target.target.settings.id}:${apiKey}`);
  t.deepEqual(result.ok && result.value, 'beta:beta-key');
  t.is(result.route?.target.settings.id, 'beta');
  t.is(result.attempts, 1);
});

test('when every route fails the error of the last one is returned, with every failed attempt', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['a-key'], beta: ['b-key'] }, { maxAttempts: 1 });
  const result = await dispatcher.dispatch({ routes: [route('alpha'), route('beta')] }, async (target) => {
    throw upstream(target.target.settings.id === 'alpha' ? 500 : 502);
  });
  t.false(result.ok);
  t.is(!result.ok && (result.error as UpstreamError).status, 502);
  t.deepEqual(result.failures.map((failure) => [failure.provider, failure.status]), [['alpha', 500], ['beta', 502]]);
});

test('an empty pool answers 503 no_upstream_keys', async (t) => {
  const { dispatcher } = await setUp({ empty: [] });
  const result = await dispatcher.dispatch({ routes: [route('empty')] }, async () => 'never');
  t.false(result.ok);
  const error = !result.ok ? (result.error as GatewayError) : undefined;
  t.is(error?.status, 503);
  t.is(error?.code, 'no_upstream_keys');
  t.is(result.attempts, 0);
});

test('a client that went away ends the call: no retry, no failure recorded, no key blamed', async (t) => {
  const { pools, dispatcher } = await setUp({ alpha: ['k1', 'k2'] });
  let calls = 0;
  const result = await dispatcher.dispatch({ routes: [route('alpha')] }, async () => {
    calls++;
    throw new RequestAbortedError('gone');
  });
  t.is(calls, 1);
  t.true(!result.ok && result.error instanceof RequestAbortedError);
  t.deepEqual(result.failures, []);
  t.true((await pools.get('alpha')!.states()).every((state) => state.failures === 0 && state.invalidSince === null));
});

test('a caller’s own key is used once, on the first route, and never touches the pool', async (t) => {
  const { pools, dispatcher } = await setUp({ alpha: ['pool-key'], beta: ['beta-key'] });
  const keys: (string | undefined)[] = [];
  const result = await dispatcher.dispatch(
    { routes: [route('alpha'), route('beta')] },
    async (_target, apiKey) => {
      keys.push(apiKey);
      throw upstream(401);
    },
    { ownKey: { secret: 'sk-own', label: 'byok:12345678' } },
  );
  t.deepEqual(keys, ['sk-own']);
  t.false(result.ok);
  t.is(result.keyId, 'byok:12345678');
  t.deepEqual(result.failures.map((failure) => failure.keyId), ['byok:12345678']);
  t.true((await pools.get('alpha')!.states()).every((state) => state.failures === 0 && state.invalidSince === null));
});

test('run gives the value of a single target or throws its error', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['k1'] }, { maxAttempts: 1 });
  const target = route('alpha').target;
  t.is(await dispatcher.run(target, async (apiKey) => `listed with ${apiKey}`), 'listed with k1');
  const error = await t.throwsAsync(dispatcher.run(target, async () => Promise.reject(upstream(500))));
  t.is((error as UpstreamError).status, 500);
});

/** A plan of `routes` whose fallbacks are the plans named for each reason. */
const plan = (routes: ModelRoute[], fallbacks: Partial<Record<FallbackReason, RoutePlan>> = {}): RoutePlan => ({ routes, fallback: (reason) => fallbacks[reason] });

test('a group whose every target answers 429 falls back to its rate-limit group', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['a1'], beta: ['b1'], spare: ['s1'] }, { maxAttempts: 1 });
  const spare = plan([route('spare')]);
  const result = await dispatcher.dispatch(plan([route('alpha'), route('beta')], { rate_limit: spare, error: plan([]) }), async (target) => {
    if (target.target.settings.id !== 'spare') throw upstream(429);
    return 'served by spare';
  });
  t.true(result.ok && result.value === 'served by spare');
  t.is(result.route?.target.settings.id, 'spare');
  t.deepEqual(result.failures.map((failure) => [failure.provider, failure.status]), [['alpha', 429], ['beta', 429]]);
});

test('a context-window refusal, a client error otherwise final, goes to the larger-context group', async (t) => {
  const { dispatcher } = await setUp({ small: ['k'], large: ['k2'] });
  const tooLong = new UpstreamError('small', 'http', 400, "This model's maximum context length is 8192 tokens.", { code: 'context_length_exceeded' });
  const result = await dispatcher.dispatch(plan([route('small')], { context_window: plan([route('large')]) }), async (target) => {
    if (target.target.settings.id === 'small') throw tooLong;
    return 'long answer';
  });
  t.true(result.ok && result.value === 'long answer');
  t.is(result.attempts, 2, 'not retried on another key of the small group');
});

test('a plain client mistake has no fallback, and fallbacks that name each other end', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['k'], beta: ['k2'] }, { maxAttempts: 1 });
  const calls: string[] = [];
  const operation = async (target: ModelRoute) => {
    calls.push(target.target.settings.id);
    throw upstream(target.target.settings.id === 'alpha' ? 400 : 503);
  };
  const mistake = await dispatcher.dispatch(plan([route('alpha')], { error: plan([route('beta')]) }), operation);
  t.false(mistake.ok);
  t.deepEqual(calls, ['alpha']);

  calls.length = 0;
  const first: RoutePlan = { routes: [route('beta')], fallback: () => second };
  const second: RoutePlan = { routes: [route('beta')], fallback: () => first };
  const looping = await dispatcher.dispatch(first, operation);
  t.false(looping.ok);
  t.deepEqual(calls, ['beta', 'beta']);
});

test('the observer hears of every attempt, and only outages count as the target failing', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['k1', 'k2', 'k3'] });
  const heard: string[] = [];
  const observer = {
    started: (target: ModelRoute) => heard.push(`start ${target.target.settings.id}`),
    ended: (_target: ModelRoute, outcome: { ok: boolean; failed: boolean }) => heard.push(outcome.ok ? 'ok' : outcome.failed ? 'target failed' : 'key or client'),
    released: () => heard.push('released'),
  };
  const answers = [upstream(503), upstream(401)];
  const result = await dispatcher.dispatch(plan([route('alpha')]), async () => {
    const next = answers.shift();
    if (next) throw next;
    return 'fine';
  }, { observer });
  t.true(result.ok);
  t.deepEqual(heard, ['start alpha', 'target failed', 'start alpha', 'key or client', 'start alpha', 'ok', 'released']);
});

test('a hedged plan calls the second route once the first is slow; the first answer wins and the loser is cancelled and recorded', async (t) => {
  const { dispatcher } = await setUp({ slow: ['s1'], fast: ['f1'] });
  const call = new CancellationSource();
  const cancelled: string[] = [];
  const result = await dispatcher.dispatch(
    { routes: [route('slow'), route('fast')], hedgeAfterMs: 30 },
    (target, _apiKey, cancellation) =>
      new Promise<string>((resolve, reject) => {
        const id = target.target.settings.id;
        cancellation!.onCancel(() => {
          cancelled.push(id);
          reject(new RequestAbortedError('hedge lost'));
        });
        setTimeout(() => resolve(`answer from ${id}`), id === 'slow' ? 1000 : 5);
      }),
    { cancellation: call },
  );
  t.true(result.ok && result.value === 'answer from fast');
  t.is(result.route?.target.settings.id, 'fast');
  t.is(result.keyId, keyId('f1'));
  t.deepEqual(cancelled, ['slow']);
  t.deepEqual(result.failures.map((failure) => [failure.provider, failure.code]), [['slow', 'hedge_lost']]);
  t.false(call.cancelled, 'the call itself goes on');
  t.deepEqual([result.hedged, result.retries, result.fallbacks], [true, 0, 0], 'a hedge is neither a retry nor a fallback');
});

test('a hedged plan whose first route answers in time never calls the second', async (t) => {
  const { dispatcher } = await setUp({ quick: ['q1'], spare: ['s1'] });
  const called: string[] = [];
  const result = await dispatcher.dispatch({ routes: [route('quick'), route('spare')], hedgeAfterMs: 200 }, async (target) => {
    called.push(target.target.settings.id);
    return 'done';
  }, { cancellation: new CancellationSource() });
  t.true(result.ok);
  t.deepEqual(called, ['quick']);
  t.deepEqual(result.failures, []);
  t.false(result.hedged);
});

test('the record counts retries on a target and fallbacks to the next targets', async (t) => {
  const { dispatcher } = await setUp({ alpha: ['a1', 'a2'], beta: ['b1'], gamma: ['c1'] }, { maxAttempts: 2 });
  const result = await dispatcher.dispatch({ routes: [route('alpha'), route('beta'), route('gamma')] }, async (target) => {
    if (target.target.settings.id !== 'gamma') throw upstream(503);
    return 'done';
  });
  t.true(result.ok);
  t.deepEqual([result.attempts, result.retries, result.fallbacks, result.hedged], [5, 2, 2, false], 'two attempts on alpha and on beta, then gamma');
});
