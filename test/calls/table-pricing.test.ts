import test from 'ava';
import { MAX_MODELS_PER_UPSTREAM, TablePricing } from '../../src/calls/table-pricing.js';
import { tokenUsage } from '../../src/core/usage.js';
import { GatewayError } from '../../src/core/errors.js';
import { PriceTable } from '../../src/cost/index.js';
import type { ConfiguredProvider } from '../../src/providers/registry.js';
import type { ModelRoute } from '../../src/routing/model-resolver.js';

const route = (id: string, kind: string, upstreamModel: string): ModelRoute => ({
  target: { settings: { id, kind } } as unknown as ConfiguredProvider,
  upstreamModel,
});

const pricing = new TablePricing(
  PriceTable.from({
    'gpt-4o': { input: 2.5, output: 10 },
    'east/gpt-4o': { input: 2, output: 8 },
    'azure/my-deployment': { input: 1, output: 4 },
    'house/*': null,
  }),
);

test('a route is priced by its upstream first, then its provider kind, then the bare model', (t) => {
  const usage = tokenUsage({ prompt: 1000, completion: 100 });
  t.is(pricing.cost(route('east', 'openai-compatible', 'gpt-4o'), usage), 2000 * 1000 + 800 * 1000);
  t.is(pricing.cost(route('azure-eu', 'azure', 'my-deployment'), usage), 1000 * 1000 + 400 * 1000);
  t.is(pricing.cost(route('openai', 'openai', 'gpt-4o'), usage), 2500 * 1000 + 1000 * 1000);
  t.is(pricing.cost(route('house', 'openai-compatible', 'gpt-4o'), usage), null, 'null in the table makes a model unpriced');
  t.is(pricing.cost(route('openai', 'openai', 'gpt-unknown'), usage), null);
});

test('an estimate assumes 500 answer tokens when the request sets no maximum', (t) => {
  const openai = route('openai', 'openai', 'gpt-4o');
  t.is(pricing.estimate(openai, { prompt: 1000, maxOutput: 100 }), 2500 * 1000 + 1000 * 1000);
  t.is(pricing.estimate(openai, { prompt: 1000, maxOutput: undefined }), 2500 * 1000 + 5000 * 1000);
  t.is(pricing.estimate(route('openai', 'openai', 'gpt-unknown'), { prompt: 1, maxOutput: 1 }), undefined);
});

test('a reservation is the dearest route of the plan; without max_tokens only the prompt; an unpriced route refuses', (t) => {
  const plan = { routes: [route('east', 'openai-compatible', 'gpt-4o'), route('openai', 'openai', 'gpt-4o')] };
  t.is(pricing.reservation(plan, { prompt: 1000, maxOutput: 100 }, 'gpt-4o'), 2500 * 1000 + 1000 * 1000);
  t.is(pricing.reservation(plan, { prompt: 1000, maxOutput: undefined }, 'gpt-4o'), 2500 * 1000);
  const error = t.throws(() => pricing.reservation({ routes: [...plan.routes, route('house', 'openai-compatible', 'gpt-4o')] }, undefined, 'gpt-4o'));
  t.true(error instanceof GatewayError);
  t.like(error, { status: 403, code: 'model_not_priced' });
});

test('a price found for an upstream and model is the same when asked again on that upstream, an unpriced one included', (t) => {
  const usage = tokenUsage({ prompt: 1000, completion: 100 });
  const east = route('east', 'openai-compatible', 'gpt-4o').target;
  const sameUpstream = (upstreamModel: string): ModelRoute => ({ target: east, upstreamModel });
  for (let round = 0; round < 2; round++) {
    t.is(pricing.cost(sameUpstream('gpt-4o'), usage), 2000 * 1000 + 800 * 1000);
    t.is(pricing.cost(sameUpstream('gpt-unknown'), usage), null);
    t.is(pricing.estimate(sameUpstream('gpt-unknown'), { prompt: 1, maxOutput: 1 }), undefined);
  }
});

test('prices keep answering right past the bound of what is remembered per upstream', (t) => {
  const globbed = new TablePricing(PriceTable.from({ 'gpt-*': { input: 1, output: 1 }, o3: { input: 2, output: 2 } }));
  const openai = route('openai', 'openai', 'o3').target;
  const on = (upstreamModel: string): ModelRoute => ({ target: openai, upstreamModel });
  const usage = tokenUsage({ prompt: 1000, completion: 0 });
  t.is(globbed.cost(on('o3'), usage), 2000 * 1000);
  for (let index = 0; index < MAX_MODELS_PER_UPSTREAM + 50; index += 1) t.is(globbed.cost(on(`gpt-${index}`), usage), 1000 * 1000);
  t.is(globbed.cost(on('o3'), usage), 2000 * 1000);
  t.is(globbed.cost(on('o4'), usage), null);
});
