import test from 'ava';
import type { ConfiguredProvider } from '../../../src/providers/registry.js';
import type { RoutePlan } from '../../../src/routing/dispatcher.js';
import { GroupRouter } from '../../../src/routing/groups/group-router.js';
import type { GroupFallbacks, ModelGroup, StrategyName } from '../../../src/routing/groups/model-group.js';
import { MemoryRoutingStateStore } from '../../../src/routing/groups/routing-state-store.js';
import { TargetBoard } from '../../../src/routing/groups/target-board.js';

const NO_FALLBACKS: GroupFallbacks = { onError: [], onRateLimit: [], onContextWindow: undefined, onContentPolicy: undefined };

function group(name: string, strategy: StrategyName, upstreams: string[], fallbacks: Partial<GroupFallbacks> = {}): ModelGroup {
  return {
    name,
    strategy,
    targets: upstreams.map((upstream, index) => ({
      id: `${upstream}/${name}`,
      route: { target: { settings: { id: upstream } } as ConfiguredProvider, upstreamModel: name, targetId: `${upstream}/${name}` },
      weight: 1,
      priority: index,
      passesRequestedModel: false,
    })),
    fallbacks: { ...NO_FALLBACKS, ...fallbacks },
    hedgeAfterMs: undefined,
    ejection: { afterFailures: 2, coolOffMs: 1000, maxCoolOffMs: 4000 },
    rewriteModel: false,
  };
}

function setUp(groups: ModelGroup[], global: Partial<GroupFallbacks> = {}) {
  let now = Date.UTC(2026, 11, 4, 12, 0, 5);
  const board = new TargetBoard(new MemoryRoutingStateStore(), 'test', 0, undefined, () => now);
  const direct = { plan: (model: string): RoutePlan => ({ routes: [{ target: { settings: { id: 'direct' } } as ConfiguredProvider, upstreamModel: model }] }) };
  const router = new GroupRouter(groups, { ...NO_FALLBACKS, ...global }, direct, board);
  return { router, advance: (ms: number) => (now += ms) };
}

const upstreams = (plan: RoutePlan | undefined) => plan?.routes.map((route) => route.target.settings.id);

test('a group name gets the group’s targets in strategy order; other names go direct; globs match', (t) => {
  const { router } = setUp([group('gpt-4o', 'round-robin', ['east', 'west']), group('claude-*', 'priority', ['anthropic'])]);
  t.deepEqual(upstreams(router.plan('gpt-4o')), ['east', 'west']);
  t.deepEqual(upstreams(router.plan('gpt-4o')), ['west', 'east']);
  t.deepEqual(upstreams(router.plan('claude-sonnet-4')), ['anthropic']);
  t.deepEqual(upstreams(router.plan('gpt-4o-mini')), ['direct']);
});

test('priority uses the second target only while the first is ejected, and the first is probed back after its cool-off', (t) => {
  const { router, advance } = setUp([group('main', 'priority', ['first', 'second'])]);
  const [first] = router.plan('main').routes;
  const fail = () => {
    router.started(first!);
    router.ended(first!, { ok: false, failed: true, elapsedMs: 5 });
  };
  fail();
  t.deepEqual(upstreams(router.plan('main')), ['first', 'second'], 'one failure does not eject');
  fail();
  t.deepEqual(upstreams(router.plan('main')), ['second']);
  advance(1000);
  t.deepEqual(upstreams(router.plan('main')), ['first', 'second'], 'the probe goes to the first again');
  router.started(first!);
  t.deepEqual(upstreams(router.plan('main')), ['second'], 'while its probe is out');
  router.ended(first!, { ok: true, failed: false, elapsedMs: 5 });
  router.released(first!);
  t.deepEqual(upstreams(router.plan('main')), ['first', 'second']);
});

test('a key failure on a probe neither restores nor ejects the target, and the next call may probe', (t) => {
  const { router, advance } = setUp([group('main', 'priority', ['first', 'second'])]);
  const [first] = router.plan('main').routes;
  for (let failure = 0; failure < 2; failure++) {
    router.started(first!);
    router.ended(first!, { ok: false, failed: true, elapsedMs: 5 });
  }
  advance(1000);
  router.started(first!);
  router.ended(first!, { ok: false, failed: false, elapsedMs: 5 });
  t.deepEqual(upstreams(router.plan('main')), ['first', 'second']);
});

test('a group whose targets are all ejected still tries them rather than refusing the call', (t) => {
  const { router } = setUp([group('only', 'round-robin', ['solo'])]);
  const [solo] = router.plan('only').routes;
  for (let failure = 0; failure < 2; failure++) {
    router.started(solo!);
    router.ended(solo!, { ok: false, failed: true, elapsedMs: 5 });
  }
  t.deepEqual(upstreams(router.plan('only')), ['solo']);
});

test('fallbacks: the group’s own for the reason, else the global ones, in order, never back to a group on the way', (t) => {
  const { router } = setUp(
    [
      group('gpt-4o', 'priority', ['east'], { onRateLimit: ['spare-a', 'spare-b'], onContextWindow: 'long' }),
      group('spare-a', 'priority', ['a'], { onRateLimit: ['gpt-4o'] }),
      group('spare-b', 'priority', ['b']),
      group('long', 'priority', ['long-upstream']),
      group('safety-net', 'priority', ['net']),
    ],
    { onError: ['safety-net'] },
  );
  const plan = router.plan('gpt-4o');
  const spareA = plan.fallback!('rate_limit');
  t.deepEqual(upstreams(spareA), ['a']);
  t.deepEqual(upstreams(spareA!.fallback!('rate_limit')), ['b'], 'gpt-4o is not visited again; spare-b is next');
  t.is(spareA!.fallback!('rate_limit')!.fallback!('rate_limit'), undefined);
  t.deepEqual(upstreams(plan.fallback!('context_window')), ['long-upstream']);
  t.deepEqual(upstreams(plan.fallback!('error')), ['net'], 'the global fallback');
  t.is(plan.fallback!('content_policy'), undefined);
});

test('a fallback group keeps its own hedging', (t) => {
  const spare = { ...group('spare', 'priority', ['s1', 's2']), hedgeAfterMs: 250 };
  const { router } = setUp([group('main', 'priority', ['m'], { onError: ['spare'] }), spare]);
  const main = router.plan('main');
  t.is(main.hedgeAfterMs, undefined);
  t.is(main.fallback!('error')!.hedgeAfterMs, 250);
});
