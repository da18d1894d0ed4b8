import type { GroupTarget, ModelGroup, StrategyName } from './model-group.js';

/** What the strategies that look at load read about a target: shared across instances where a store is. */
export interface TargetSignals {
  /** Calls in flight to the target now. */
  inFlight(targetId: string): number;
  /** Moving average of the time to first byte, in ms; undefined before the first measurement. */
  latencyMs(targetId: string): number | undefined;
  /** Tokens the target used in the current minute. */
  tokensThisMinute(targetId: string): number;
}

/** Per-group state of the strategies that keep some (the rotation of round-robin, the credits of weighted). */
export class StrategyState {
  private readonly turns = new Map<string, number>();
  private readonly credits = new Map<string, Map<string, number>>();

  /** The group's next turn: 0, 1, 2, … */
  nextTurn(group: string): number {
    const turn = this.turns.get(group) ?? 0;
    this.turns.set(group, turn + 1);
    return turn;
  }

  /**
   * Smooth weighted round-robin (as nginx does it): every target earns its weight, the richest is chosen and pays
   * the total. Over any run of calls each target's share is exact to within one call, with the targets interleaved.
   */
  weightedChoice(group: string, targets: readonly GroupTarget[]): GroupTarget {
    let credits = this.credits.get(group);
    if (!credits) this.credits.set(group, (credits = new Map()));
    let total = 0;
    let best: GroupTarget | undefined;
    let bestCredit = -Infinity;
    for (const target of targets) {
      const credit = (credits.get(target.id) ?? 0) + target.weight;
      credits.set(target.id, credit);
      total += target.weight;
      if (credit > bestCredit) {
        best = target;
        bestCredit = credit;
      }
    }
    credits.set(best!.id, bestCredit - total);
    return best!;
  }
}

function rotate<T>(items: readonly T[], start: number): T[] {
  const offset = start % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}

/** The targets with `first` in front and the others after it in their order. */
function withFirst(targets: readonly GroupTarget[], first: GroupTarget): GroupTarget[] {
  return [first, ...targets.filter((target) => target !== first)];
}

function byLowest(targets: readonly GroupTarget[], measure: (target: GroupTarget) => number, state: StrategyState, group: string): GroupTarget[] {
  // Ties go round-robin, so equally idle targets share the work.
  const rotated = rotate(targets, state.nextTurn(group));
  return rotated.map((target, index) => ({ target, index, value: measure(target) })).sort((a, b) => a.value - b.value || a.index - b.index).map((entry) => entry.target);
}

/**
 * The order in which a call tries the usable targets of its group: the strategy's choice first, the others after
 * it (tried when the first cannot serve the call). `usable` is never empty. `cost` is the call's expected price
 * on a target (nano-dollars; undefined when the target's model has no price), for `lowest-cost`.
 */
export function orderTargets(
  group: ModelGroup,
  usable: readonly GroupTarget[],
  signals: TargetSignals,
  state: StrategyState,
  random: () => number = Math.random,
  cost: (target: GroupTarget) => number | undefined = () => undefined,
): GroupTarget[] {
  if (usable.length === 1) return [usable[0]!];
  const strategy: StrategyName = group.strategy;
  switch (strategy) {
    case 'round-robin':
      return rotate(usable, state.nextTurn(group.name));
    case 'weighted':
      return withFirst(usable, state.weightedChoice(group.name, usable));
    case 'random':
      return rotate(usable, Math.floor(random() * usable.length));
    case 'priority':
      return [...usable].sort((a, b) => a.priority - b.priority);
    case 'least-busy':
      return byLowest(usable, (target) => signals.inFlight(target.id), state, group.name);
    case 'lowest-latency':
      // A target not measured yet is tried first, so every target gets measured.
      return byLowest(usable, (target) => signals.latencyMs(target.id) ?? -1, state, group.name);
    case 'least-used':
      return byLowest(usable, (target) => signals.tokensThisMinute(target.id), state, group.name);
    case 'lowest-cost':
      // A target without a price is never taken for the cheapest: it goes after every priced one.
      return byLowest(usable, (target) => cost(target) ?? Number.POSITIVE_INFINITY, state, group.name);
  }
}
