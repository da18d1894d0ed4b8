import { GatewayError } from '../core/errors.js';
import type { TokenUsage } from '../core/usage.js';
import { callCost, estimateCost, type ModelPrice, type PriceTable } from '../cost/index.js';
import type { RequestSize } from '../protocols/protocol.js';
import type { RoutePlan } from '../routing/dispatcher.js';
import type { ModelRoute } from '../routing/model-resolver.js';
import type { CallPricing } from './call-pricing.js';

/** The answer length a `lowest-cost` group assumes for a request that sets no `max_tokens`. */
const ASSUMED_ANSWER_TOKENS = 500;

/**
 * Models remembered per upstream. Models no entry prices are remembered too, so that clients naming arbitrary models
 * through a glob route cannot grow it without end.
 */
export const MAX_MODELS_PER_UPSTREAM = 1000;

/** A call's pricing from a price table, looked up by the route's upstream name, then by its provider kind. */
export class TablePricing implements CallPricing {
  /**
   * The prices found, by upstream (its settings, which live as long as the table) and model: a call's price is two
   * map lookups, with no lookup name to build. `null`: the model has no price there.
   */
  private readonly found = new WeakMap<object, Map<string, ModelPrice | null>>();

  constructor(readonly prices: PriceTable) {}

  /** The price of the model a route sends upstream: `<upstream>/<model>`, `<kind>/<model>`, then the bare model. */
  priceOf(route: ModelRoute): ModelPrice | undefined {
    const settings = route.target.settings;
    let byModel = this.found.get(settings);
    if (byModel === undefined) this.found.set(settings, (byModel = new Map()));
    const known = byModel.get(route.upstreamModel);
    if (known !== undefined) return known ?? undefined;
    const { id, kind } = settings;
    const price = this.prices.lookup(kind === id ? [id] : [id, kind], route.upstreamModel);
    if (byModel.size >= MAX_MODELS_PER_UPSTREAM) byModel.clear();
    byModel.set(route.upstreamModel, price ?? null);
    return price;
  }

  cost(route: ModelRoute, usage: TokenUsage): number | null {
    const price = this.priceOf(route);
    return price ? callCost(usage, price).total : null;
  }

  estimate(route: ModelRoute, size: RequestSize): number | undefined {
    const price = this.priceOf(route);
    return price ? estimateCost(price, size.prompt, size.maxOutput ?? ASSUMED_ANSWER_TOKENS) : undefined;
  }

  /**
   * The prompt and the longest answer allowed on the dearest route. Without `max_tokens` the answer is not
   * reserved: the call that crosses a budget completes, and the next one is refused. A route without a price
   * refuses the call: its cost could not be counted against the budget.
   */
  reservation(plan: RoutePlan, size: RequestSize | undefined, model: string): number {
    let dearest = 0;
    for (const route of plan.routes) {
      const price = this.priceOf(route);
      if (!price) {
        throw new GatewayError(
          403,
          `The model \`${model}\` has no price on upstream \`${route.target.settings.id}\`, and this API key has a dollar budget: ` +
            'only priced models can be counted against it. Ask the operator to add a price for it.',
          { code: 'model_not_priced', param: 'model' },
        );
      }
      dearest = Math.max(dearest, estimateCost(price, size?.prompt ?? 0, size?.maxOutput ?? 0));
    }
    return dearest;
  }
}
