import test from 'ava';
import { callCost } from '../../src/cost/call-cost.js';
import { modelPriceSchema, type ModelPrice } from '../../src/cost/price-schema.js';
import { PriceTable } from '../../src/cost/price-table.js';
import { ANTHROPIC_PRICES } from '../../src/cost/prices/anthropic.js';
import { DEEPSEEK_PRICES } from '../../src/cost/prices/deepseek.js';
import { SHIPPED_PRICES } from '../../src/cost/prices/index.js';
import { tokenUsage } from '../../src/core/usage.js';

const shipped = PriceTable.from(SHIPPED_PRICES, { cnyPerUsd: 7.1 });
/** The shipped USD entries, which the table keeps as they are. */
const shippedPrice = (model: string) => SHIPPED_PRICES[model] ?? undefined;
/** A price in whole millionths of a dollar per million tokens, to compare prices without float error. */
const micros = (usdPerMillion: number | undefined) => Math.round((usdPerMillion ?? Number.NaN) * 1e6);

test('every shipped price is valid by the schema the config file uses, and says where and when it was read', (t) => {
  t.true(Object.keys(SHIPPED_PRICES).length > 20);
  for (const [model, price] of Object.entries(SHIPPED_PRICES)) {
    if (price === null) continue;
    const result = modelPriceSchema.safeParse(price);
    t.true(result.success, `${model}: ${result.error?.message}`);
    t.regex(price.source ?? '', /^https:\/\//, `${model} has a source`);
    t.regex(price.as_of ?? '', /^20\d\d-\d\d/, `${model} has a date`);
  }
});

test('every Claude price follows the documented cache multipliers: 5-minute write 1.25×, 1-hour write 2×, read 0.1× input', (t) => {
  for (const [model, price] of Object.entries(ANTHROPIC_PRICES)) {
    t.is(micros(price.cache_write) * 4, micros(price.input) * 5, `${model} 5-minute write`);
    t.is(micros(price.cache_write_long), micros(price.input) * 2, `${model} 1-hour write`);
    t.is(micros(price.cached_input) * 10, micros(price.input), `${model} read`);
  }
});

test('a Claude Opus 4.5 call with every cache part costs what the pricing table says, to the micro-dollar', (t) => {
  const price = shipped.lookup('anthropic', 'claude-opus-4-5-20251101')!;
  const usage = tokenUsage({ prompt: 10_000, cacheWrite: 2_000, cacheWriteLong: 3_000, cached: 4_000, completion: 500 });
  // $5 plain, $6.25 5-minute write, $10 1-hour write, $0.50 read, $25 output, per million tokens.
  const microDollars = 1_000 * 5 + 2_000 * 6.25 + 3_000 * 10 + 4_000 * 0.5 + 500 * 25;
  t.is(callCost(usage, price).total, microDollars * 1_000);
});

test('a DeepSeek call pays the cache-hit price for cached input and the cache-miss price for the rest', (t) => {
  const price: ModelPrice = DEEPSEEK_PRICES['deepseek-chat']!;
  const cost = callCost(tokenUsage({ prompt: 1_000_000, cached: 400_000, completion: 100_000 }), price);
  // $0.07 a million on a hit, $0.56 on a miss, $1.68 out: $0.028 + $0.336 + $0.168.
  t.deepEqual([cost.parts.cached, cost.parts.input, cost.parts.output], [28_000_000, 336_000_000, 168_000_000]);
  t.is(cost.total, 532_000_000);
});

test('the shipped globs take in dated model ids without catching a later version', (t) => {
  t.is(shipped.lookup('anthropic', 'claude-sonnet-4-5-20250929'), shippedPrice('claude-sonnet-4-5*'));
  t.is(shipped.lookup('anthropic', 'claude-opus-4-20250514'), shippedPrice('claude-opus-4-2025*'));
  t.is(shipped.lookup('anthropic', 'claude-opus-4-1-20250805')?.input, 15);
  t.is(shipped.lookup('anthropic', 'claude-opus-5-5'), undefined);
  t.is(shipped.lookup('anthropic', 'claude-sonnet-5-5'), undefined);
  t.is(shipped.lookup('gemini', 'models/gemini-2.5-pro'), shippedPrice('gemini-2.5-pro'));
  t.is(shipped.lookup('gemini', 'gemini-2.5-flash-image-preview'), undefined);
  t.is(shipped.lookup('openai', 'gpt-4o-2024-05-13'), undefined, 'a snapshot priced apart from its alias');
  t.is(shipped.lookup('dashscope', 'qwen-max'), undefined, 'unpriced, not free');
});
