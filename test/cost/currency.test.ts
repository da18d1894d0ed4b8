import test from 'ava';
import { tokenUsage } from '../../src/core/usage.js';
import { callCost } from '../../src/cost/call-cost.js';
import { priceInUsd, pricesInUsd } from '../../src/cost/currency.js';
import { modelPriceSchema, type ModelPrice } from '../../src/cost/price-schema.js';
import { PriceTable } from '../../src/cost/price-table.js';

const issuesOf = (value: unknown) => (modelPriceSchema.safeParse(value).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);

test('a price may be written in USD (the default) or CNY, in nothing else', (t) => {
  const yuan = { currency: 'CNY', input: 0.8, output: 2 };
  t.deepEqual(modelPriceSchema.parse(yuan), yuan);
  t.true(modelPriceSchema.safeParse({ currency: 'USD', input: 1, output: 2 }).success);
  t.deepEqual(issuesOf({ currency: 'EUR', input: 1, output: 2 }), ['currency: expected USD or CNY']);
  t.deepEqual(issuesOf({ currency: 'cny', input: 1, output: 2 }), ['currency: expected USD or CNY']);
});

test('a CNY price costs its amount divided by the rate, each part rounded to the nano-dollar', (t) => {
  const price: ModelPrice = { currency: 'CNY', input: 2.4, output: 9.6 };
  const cost = callCost(tokenUsage({ prompt: 1_000_000, completion: 500_000 }), priceInUsd(price, { cnyPerUsd: 7.1 }));
  // 2.4 yuan ÷ 7.1 = $0.338028169014…; 500,000 tokens at 9.6 yuan a million are 4.8 yuan ÷ 7.1 = $0.676056338028…
  t.is(cost.parts.input, 338_028_169);
  t.is(cost.parts.output, 676_056_338);
  t.is(cost.total, 1_014_084_507);
});

test('conversion covers tiers and per-unit prices and drops the currency; USD and unpriced entries stay as they are', (t) => {
  const usd: ModelPrice = { input: 0.15, output: 0.6 };
  const entries = pricesInUsd(
    {
      yuan: { currency: 'CNY', input: 3, output: 14, per_search: 0.07, tiers: [{ above_input_tokens: 32_768, input: 4, output: 16 }], source: 'https://example.com' },
      dollars: usd,
      hidden: null,
    },
    { cnyPerUsd: 8 },
  );
  t.deepEqual(entries.yuan, { input: 0.375, output: 1.75, per_search: 0.07 / 8, tiers: [{ above_input_tokens: 32_768, input: 0.5, output: 2 }], source: 'https://example.com' });
  t.is(entries.dollars, usd);
  t.is(entries.hidden, null);
  // 7 tokens at $0.15 a million: exact, as before.
  t.is(callCost(tokenUsage({ prompt: 7, completion: 0 }), entries.dollars!).total, 1_050);
  t.is(callCost(tokenUsage({ prompt: 0, completion: 0, searches: 3 }), entries.yuan!).parts.searches, 26_250_000, '0.07 yuan ÷ 8 = $0.00875 a search, three of them');
});

test('a tier of a CNY price applies above its threshold, converted like the base', (t) => {
  const table = PriceTable.from({ 'glm-x': { currency: 'CNY', input: 3, output: 14, tiers: [{ above_input_tokens: 32_768, input: 4, output: 16 }] } }, { cnyPerUsd: 8 });
  const price = table.lookup('dashscope', 'glm-x')!;
  // At the threshold: 32,768 × 3/8 + 1,000 × 14/8 micro-dollars.
  t.is(callCost(tokenUsage({ prompt: 32_768, completion: 1_000 }), price).total, (12_288 + 1_750) * 1_000);
  // Above it: 32,769 × 4/8 + 1,000 × 16/8 micro-dollars.
  const above = callCost(tokenUsage({ prompt: 32_769, completion: 1_000 }), price);
  t.is(above.tier, 32_768);
  t.is(above.total, 16_384_500 + 2_000_000);
});

test('a CNY price without a rate is refused, never read as USD', (t) => {
  t.throws(() => PriceTable.from({ qwen: { currency: 'CNY', input: 1, output: 1 } }), { message: /exchange rate/ });
  t.notThrows(() => PriceTable.from({ gpt: { input: 1, output: 1 } }));
});
