import { compileGlob, isGlob } from '../../core/glob.js';
import type { RoutePlan, RoutingFeedback } from '../dispatcher.js';
import type { FallbackReason } from '../fallback-reason.js';
import type { ModelRoute } from '../model-resolver.js';
import type { RequestSize } from '../../protocols/protocol.js';
import type { EjectionPolicy, GroupTarget, ModelGroup } from './model-group.js';
import { orderTargets, StrategyState } from './strategies.js';
import type { TargetBoard } from './target-board.js';

/** Where models that are not a group go: the gateway's provider routes. */
export interface DirectRouter {
  plan(model: string): RoutePlan;
}

/** Groups every call may fall back to, for reasons its own group names none for. */
/** What a call of `size` is expected to cost on a route, in nano-dollars; undefined when its model has no price. */
export type CostEstimate = (route: ModelRoute, size: RequestSize) => number | undefined;

export type GlobalFallbacks = ModelGroup['fallbacks'];

/**
 * Model groups in front of the direct routes: a public name (or glob) names a group, whose strategy orders its
 * usable targets for each call, and whose fallbacks (or the global ones) name the groups to go on to. Ejected
 * targets are left out while they cool off; a group whose targets are all ejected still tries them, in order, so
 * a call is never refused for routing's sake alone.
 */
export class GroupRouter implements DirectRouter, RoutingFeedback {
  private readonly globs: { matches: (name: string) => boolean; group: ModelGroup }[] = [];
  private readonly byName = new Map<string, ModelGroup>();
  private readonly policies = new Map<string, EjectionPolicy>();

  /** `state` (turns and weighted credits by group) may outlive one router: a reloaded config keeps its rotation. */
  constructor(
    groups: readonly ModelGroup[],
    private readonly globalFallbacks: GlobalFallbacks,
    private readonly direct: DirectRouter,
    private readonly board: TargetBoard,
    private readonly state = new StrategyState(),
    private readonly random: () => number = Math.random,
    private readonly estimate: CostEstimate = () => undefined,
  ) {
    for (const group of groups) {
      this.byName.set(group.name, group);
      if (isGlob(group.name)) this.globs.push({ matches: compileGlob(group.name), group });
      for (const target of group.targets) if (!this.policies.has(target.id)) this.policies.set(target.id, group.ejection);
    }
  }

  /** The group a public model name belongs to, if any. */
  group(model: string): ModelGroup | undefined {
    return this.byName.get(model) ?? this.globs.find((entry) => entry.matches(model))?.group;
  }

  groups(): IterableIterator<ModelGroup> {
    return this.byName.values();
  }

  /** `size` (the request's estimated size) is read only by a `lowest-cost` group. */
  plan(model: string, size?: () => RequestSize): RoutePlan {
    const group = this.group(model);
    return group ? this.groupPlan(group, undefined, model, size) : this.direct.plan(model);
  }

  started(route: ModelRoute): void {
    if (route.targetId !== undefined) this.board.started(route.targetId);
  }

  ended(route: ModelRoute, outcome: { ok: boolean; failed: boolean; elapsedMs: number }): void {
    const id = route.targetId;
    if (id === undefined) return;
    if (outcome.ok) {
      this.board.succeeded(id);
      // An attempt resolves once its answer (or its stream's first event) is in: that is the time to first byte.
      this.board.measured(id, outcome.elapsedMs);
      return;
    }
    if (outcome.failed) this.board.failed(id, this.policies.get(id)!);
    this.board.finished(id);
  }

  released(route: ModelRoute): void {
    if (route.targetId !== undefined) this.board.finished(route.targetId);
  }

  /** Tokens a call used on a target, for the `least-used` strategy. */
  used(route: ModelRoute, tokens: number): void {
    if (route.targetId !== undefined) this.board.addTokens(route.targetId, tokens);
  }

  /** `seen`: the groups already on the call's way, when it is a fallback (the call's own group otherwise). */
  private groupPlan(group: ModelGroup, seen: ReadonlySet<string> | undefined, requested: string, size: (() => RequestSize) | undefined): RoutePlan {
    const admitted = group.targets.filter((target) => this.board.admits(target.id));
    const usable = admitted.length > 0 ? admitted : group.targets;
    const cost = group.strategy === 'lowest-cost' && size ? this.costOf(size(), requested) : undefined;
    const routes = orderTargets(group, usable, this.board, this.state, this.random, cost).map((target) => {
      if (target.passesRequestedModel) return { ...target.route, upstreamModel: requested };
      // The answer names the model the client asked for, unless the group says to show the upstream's.
      return group.rewriteModel || target.route.upstreamModel === requested ? target.route : { ...target.route, answerModel: requested };
    });
    return {
      routes,
      hedgeAfterMs: group.hedgeAfterMs,
      feedback: this,
      fallback: (reason) => {
        const own = fallbackNames(group.fallbacks, reason);
        return this.chain(own.length > 0 ? own : fallbackNames(this.globalFallbacks, reason), reason, seen ?? new Set([group.name]), requested, size);
      },
    };
  }

  /** The groups named for `reason`, one after the other; a group already on the call's way is not visited again. */
  private chain(names: readonly string[], reason: FallbackReason, seen: ReadonlySet<string>, requested: string, size: (() => RequestSize) | undefined): RoutePlan | undefined {
    const [first, ...rest] = names.filter((name) => !seen.has(name) && this.byName.has(name));
    if (first === undefined) return undefined;
    const visited = new Set([...seen, first]);
    const plan = this.groupPlan(this.byName.get(first)!, visited, requested, size);
    return { ...plan, fallback: (again) => plan.fallback!(again) ?? (again === reason ? this.chain(rest, reason, visited, requested, size) : undefined) };
  }

  /** A call's expected price on each target, for `lowest-cost`: a target that passes the requested model prices that one. */
  private costOf(size: RequestSize, requested: string): (target: GroupTarget) => number | undefined {
    return (target) => this.estimate(target.passesRequestedModel ? { ...target.route, upstreamModel: requested } : target.route, size);
  }
}

function fallbackNames(fallbacks: GlobalFallbacks, reason: FallbackReason): readonly string[] {
  switch (reason) {
    case 'error':
      return fallbacks.onError;
    case 'rate_limit':
      return fallbacks.onRateLimit;
    case 'context_window':
      return fallbacks.onContextWindow === undefined ? [] : [fallbacks.onContextWindow];
    case 'content_policy':
      return fallbacks.onContentPolicy === undefined ? [] : [fallbacks.onContentPolicy];
  }
}
