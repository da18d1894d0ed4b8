import test from 'ava';
import type { ConfiguredProvider } from '../../../src/providers/registry.js';
import type { GroupTarget, ModelGroup, StrategyName } from '../../../src/routing/groups/model-group.js';
import { orderTargets, StrategyState, type TargetSignals } from '../../../src/routing/groups/strategies.js';

const target = (id: string, weight = 1, priority = 0): GroupTarget => ({ id, route: { target: { settings: { id } } as ConfiguredProvider, upstreamModel: 'm' }, weight, priority, passesRequestedModel: false });

const group = (strategy: StrategyName, targets: GroupTarget[]): ModelGroup => ({
  name: `group-${strategy}`,
  strategy,
  targets,
  fallbacks: { onError: [], onRateLimit: [], onContextWindow: undefined, onContentPolicy: undefined },
  hedgeAfterMs: undefined,
  ejection: { afterFailures: 3, coolOffMs: 1000, maxCoolOffMs: 10_000 },
  rewriteModel: false,
});

const quiet: TargetSignals = { inFlight: () => 0, latencyMs: () => undefined, tokensThisMinute: () => 0 };

function firstChoices(model: ModelGroup, calls: number, signals = quiet, random?: () => number): Map<string, number> {
  const state = new StrategyState();
  const counts = new Map<string, number>();
  for (let call = 0; call < calls; call++) {
    const chosen = orderTargets(model, model.targets, signals, state, random)[0]!.id;
    counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
  }
  return counts;
}

test('weighted 3:1 over 400 calls lands exactly 300 and 100, interleaved rather than in runs', (t) => {
  const model = group('weighted', [target('a', 3), target('b', 1)]);
  t.deepEqual(Object.fromEntries(firstChoices(model, 400)), { a: 300, b: 100 });
  const state = new StrategyState();
  const firstEight = Array.from({ length: 8 }, () => orderTargets(model, model.targets, quiet, state)[0]!.id).join('');
  t.is(firstEight, 'aabaaaba');
});

test('weighted 3:1:1 keeps its shares', (t) => {
  t.deepEqual(Object.fromEntries(firstChoices(group('weighted', [target('a', 3), target('b', 1), target('c', 1)]), 500)), { a: 300, b: 100, c: 100 });
});

test('round-robin over three targets spreads exactly, and the rest of the order is the rotation', (t) => {
  const model = group('round-robin', [target('a'), target('b'), target('c')]);
  t.deepEqual(Object.fromEntries(firstChoices(model, 300)), { a: 100, b: 100, c: 100 });
  const state = new StrategyState();
  t.deepEqual(orderTargets(model, model.targets, quiet, state).map((entry) => entry.id), ['a', 'b', 'c']);
  t.deepEqual(orderTargets(model, model.targets, quiet, state).map((entry) => entry.id), ['b', 'c', 'a']);
});

test('priority tries targets by priority, whatever their order', (t) => {
  const model = group('priority', [target('backup', 1, 2), target('main', 1, 1)]);
  t.deepEqual(orderTargets(model, model.targets, quiet, new StrategyState()).map((entry) => entry.id), ['main', 'backup']);
});

test('least-busy sends calls to the target with the fewest in flight', (t) => {
  const model = group('least-busy', [target('busy'), target('idle')]);
  const signals: TargetSignals = { ...quiet, inFlight: (id) => (id === 'busy' ? 5 : 1) };
  t.deepEqual(Object.fromEntries(firstChoices(model, 20, signals)), { idle: 20 });
});

test('lowest-latency measures every target first, then prefers the fastest', (t) => {
  const model = group('lowest-latency', [target('slow'), target('fast'), target('new')]);
  const signals: TargetSignals = { ...quiet, latencyMs: (id) => (id === 'slow' ? 80 : id === 'fast' ? 5 : undefined) };
  t.is(orderTargets(model, model.targets, signals, new StrategyState())[0]!.id, 'new');
  const measured = model.targets.filter((entry) => entry.id !== 'new');
  t.deepEqual(orderTargets(model, measured, signals, new StrategyState()).map((entry) => entry.id), ['fast', 'slow']);
});

test('least-used prefers the target with the fewest tokens this minute', (t) => {
  const model = group('least-used', [target('heavy'), target('light')]);
  const signals: TargetSignals = { ...quiet, tokensThisMinute: (id) => (id === 'heavy' ? 90_000 : 10) };
  t.deepEqual(Object.fromEntries(firstChoices(model, 10, signals)), { light: 10 });
});

test('random picks with the random source, and only among the usable targets', (t) => {
  const model = group('random', [target('a'), target('b'), target('c')]);
  t.is(orderTargets(model, model.targets, quiet, new StrategyState(), () => 0.99)[0]!.id, 'c');
  t.is(orderTargets(model, model.targets, quiet, new StrategyState(), () => 0)[0]!.id, 'a');
  t.deepEqual(orderTargets(model, [model.targets[1]!], quiet, new StrategyState(), () => 0.99).map((entry) => entry.id), ['b']);
});
