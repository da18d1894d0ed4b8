import type { ModelRoute } from '../model-resolver.js';

export type StrategyName = 'round-robin' | 'weighted' | 'random' | 'priority' | 'least-busy' | 'lowest-latency' | 'least-used' | 'lowest-cost';

/** One deployment a group may send a call to: an upstream and the model name it knows. */
export interface GroupTarget {
  /** `<upstream>/<model>`: how counters, ejections and logs name the target. */
  readonly id: string;
  readonly route: ModelRoute;
  readonly weight: number;
  /** Lower goes first under the `priority` strategy. */
  readonly priority: number;
  /** The upstream gets the model name the client asked for (a glob group's target that names no model). */
  readonly passesRequestedModel: boolean;
}

/** When a target that keeps failing is taken out of rotation, and for how long. */
export interface EjectionPolicy {
  /** Consecutive failed calls that eject a target. */
  afterFailures: number;
  /** The first cool-off; each ejection in a row doubles it. */
  coolOffMs: number;
  maxCoolOffMs: number;
}

/** Groups to go on to once a group's own targets could not serve the call, by why they could not. */
export interface GroupFallbacks {
  /** Retries exhausted, 5xx, timeouts. */
  onError: readonly string[];
  /** Every target of the group answered 429 or had no key left under its limits. */
  onRateLimit: readonly string[];
  /** The prompt is too long for the group's models: a group with a larger context window. */
  onContextWindow: string | undefined;
  /** The upstream refused the content: a group that may answer. */
  onContentPolicy: string | undefined;
}

/** A public model name (or glob) and the deployments behind it. */
export interface ModelGroup {
  readonly name: string;
  readonly strategy: StrategyName;
  readonly targets: readonly GroupTarget[];
  readonly fallbacks: GroupFallbacks;
  /** After this long without a first byte, a second target is called too; the first to answer wins. */
  readonly hedgeAfterMs: number | undefined;
  readonly ejection: EjectionPolicy;
  /** The answer's `model` names the upstream's model instead of the one the client asked for. */
  readonly rewriteModel: boolean;
}
