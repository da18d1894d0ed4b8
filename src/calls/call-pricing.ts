import type { TokenUsage } from '../core/usage.js';
import type { RequestSize } from '../protocols/protocol.js';
import type { RoutePlan } from '../routing/dispatcher.js';
import type { ModelRoute } from '../routing/model-resolver.js';

/** What calls cost, from the price table in force: after a call (its usage), and before it (its request's size). */
export interface CallPricing {
  /** Nano-dollars of `usage` on the route that served it; null when the route's model has no price. */
  cost(route: ModelRoute, usage: TokenUsage): number | null;
  /** The expected nano-dollars of a call of `size` on a route; undefined when its model has no price. */
  estimate(route: ModelRoute, size: RequestSize): number | undefined;
  /**
   * What a call on `plan` may cost at most, to reserve of a dollar budget: its prompt and its longest answer on
   * the dearest of its routes (a call may be served by any). Throws when no route of the plan has a price.
   */
  reservation(plan: RoutePlan, size: RequestSize | undefined, model: string): number;
}
