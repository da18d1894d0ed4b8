import test from 'ava';
import { callCost, estimateCost } from '../../src/cost/call-cost.js';
import type { ModelPrice } from '../../src/cost/price-schema.js';
import { GEMINI_PRICES } from '../../src/cost/prices/gemini.js';
import { NO_USAGE, type TokenUsage, tokenUsage } from '../../src/core/usage.js';

// $1 per million tokens is 1,000 nano-dollars a token: the expected values below are tokens × that.

const EVERY_PART = tokenUsage({
  prompt: 10_000,
  cached: 1_000,
  cacheWrite: 2_000,
  cacheWriteLong: 500,
  audioInput: 300,
  imageInput: 200,
  completion: 4_000,
  reasoning: 1_500,
  audioOutput: 250,
  imageOutput: 50,
  searches: 2,
});

test('each part is priced at its own rate, plain input and output being what the parts leave', (t) => {
  const price: ModelPrice = {
    input: 1,
    cached_input: 0.1,
    cache_write: 1.25,
    cache_write_long: 2,
    audio_input: 3,
    image_input: 4,
    output: 5,
    reasoning: 6,
    audio_output: 7,
    image_output: 8,
    per_search: 0.01,
  };
  const cost = callCost(EVERY_PART, price);
  t.deepEqual(cost.parts, {
    input: 6_000 * 1_000,
    cached: 1_000 * 100,
    cacheWrite: 2_000 * 1_250,
    cacheWriteLong: 500 * 2_000,
    audioInput: 300 * 3_000,
    imageInput: 200 * 4_000,
    output: 2_200 * 5_000,
    reasoning: 1_500 * 6_000,
    audioOutput: 250 * 7_000,
    imageOutput: 50 * 8_000,
    searches: 2 * 10_000_000,
    media: 0,
  });
  t.is(cost.total, 53_450_000);
  t.is(cost.tier, null);
});

test('a part without a price of its own costs what plain input or output costs; searches without one are free', (t) => {
  const cost = callCost(EVERY_PART, { input: 2, output: 8 });
  t.is(cost.parts.cached + cost.parts.cacheWrite + cost.parts.cacheWriteLong + cost.parts.audioInput + cost.parts.imageInput + cost.parts.input, 10_000 * 2_000);
  t.is(cost.parts.reasoning + cost.parts.audioOutput + cost.parts.imageOutput + cost.parts.output, 4_000 * 8_000);
  t.is(cost.parts.searches, 0);
  t.is(cost.total, 52_000_000);
  const longWrite = callCost(tokenUsage({ prompt: 1_000, cacheWriteLong: 1_000 }), { input: 1, output: 1, cache_write: 1.25 });
  t.is(longWrite.parts.cacheWriteLong, 1_250_000, 'a 1-hour cache write defaults to the 5-minute price');
});

test('whole nano-dollars without float drift', (t) => {
  t.is(callCost(tokenUsage({ prompt: 1_000_000 }), { input: 0.075, output: 0 }).total, 75_000_000);
  t.is(callCost(tokenUsage({ prompt: 7 }), { input: 0.15, output: 0 }).total, 1_050);
  t.is(callCost(tokenUsage({ completion: 1_000_000_000 }), { input: 0, output: 0.123457 }).total, 123_457_000_000);
  t.is(callCost(tokenUsage({ completion: 3 }), { input: 0, output: 0.1 }).total, 300);
});

test('each part is rounded to the nearest nano-dollar on its own', (t) => {
  // 1.5 nano-dollars a token: half a nano-dollar rounds up, in each part.
  const price = { input: 0.0015, cached_input: 0.0015, output: 0.0005 };
  const cost = callCost(tokenUsage({ prompt: 2, cached: 1, completion: 1 }), price);
  t.deepEqual([cost.parts.input, cost.parts.cached, cost.parts.output], [2, 2, 1]);
  t.is(cost.total, 5);
  t.is(callCost(tokenUsage({ prompt: 3 }), { input: 0.000333, output: 0 }).total, 1, '0.999 nano-dollars');
});

test('a Gemini 2.5 Pro call above 200k prompt tokens is priced at the higher tier in whole, at or below at the base', (t) => {
  const pro = GEMINI_PRICES['gemini-2.5-pro']!;
  const long = callCost(tokenUsage({ prompt: 250_000, cached: 100_000, completion: 10_000 }), pro);
  t.is(long.tier, 200_000);
  t.deepEqual([long.parts.input, long.parts.cached, long.parts.output], [150_000 * 2_500, 100_000 * 250, 10_000 * 15_000]);
  const short = callCost(tokenUsage({ prompt: 150_000, completion: 10_000 }), pro);
  t.is(short.tier, null);
  t.is(short.total, 150_000 * 1_250 + 10_000 * 10_000);
  t.is(callCost(tokenUsage({ prompt: 200_000 }), pro).tier, null, 'the tier starts above its threshold');
});

test('the highest tier the prompt exceeds applies, in whatever order tiers are listed; what a tier leaves out follows its own input', (t) => {
  const price: ModelPrice = {
    input: 1,
    output: 1,
    cached_input: 0.1,
    tiers: [
      { above_input_tokens: 100_000, input: 3, output: 3 },
      { above_input_tokens: 50_000, input: 2, output: 2, cached_input: 0.2 },
    ],
  };
  t.is(callCost(tokenUsage({ prompt: 75_000 }), price).tier, 50_000);
  const above = callCost(tokenUsage({ prompt: 150_000, cached: 50_000 }), price);
  t.is(above.tier, 100_000);
  t.is(above.parts.cached, 50_000 * 3_000, 'not the base cached price');
});

test('a usage whose parts exceed its totals never makes a plain part negative', (t) => {
  const cost = callCost({ ...NO_USAGE, prompt: 10, cached: 30, completion: 5, reasoning: 9 }, { input: 1, output: 1 });
  t.is(cost.parts.input, 0);
  t.is(cost.parts.output, 0);
});

test('an estimate prices plain prompt and completion tokens, tiers included', (t) => {
  t.is(estimateCost({ input: 0.15, output: 0.6 }, 1_000, 500), 1_000 * 150 + 500 * 600);
  t.is(estimateCost(GEMINI_PRICES['gemini-2.5-pro']!, 300_000, 0), 300_000 * 2_500);
  t.is(estimateCost({ input: 1, output: 1 }, 0, 0), 0);
});

test("media units: images at their size's price or per_image, audio by the second, speech by the character; tokens beside them", (t) => {
  const price = { input: 5, output: 40, per_image: 0.04, per_image_by_size: { '1792x1024': 0.08 }, per_audio_second: 0.0001, per_character: 0.000015 };
  const media = (parts: Partial<NonNullable<TokenUsage['media']>>) => tokenUsage({ media: { images: 0, imageSize: '', audioSeconds: 0, characters: 0, ...parts } });
  t.is(callCost(media({ images: 2, imageSize: '1024x1024' }), price).total, 80_000_000);
  t.is(callCost(media({ images: 2, imageSize: '1792x1024' }), price).total, 160_000_000);
  t.is(callCost(media({ audioSeconds: 37.5 }), price).total, 3_750_000);
  t.is(callCost(media({ characters: 1000 }), price).total, 15_000_000);
  const withTokens = tokenUsage({ prompt: 50, completion: 4160, imageOutput: 4160, media: { images: 1, imageSize: '', audioSeconds: 0, characters: 0 } });
  t.deepEqual([callCost(withTokens, price).parts.input, callCost(withTokens, price).parts.imageOutput, callCost(withTokens, price).parts.media], [250_000, 166_400_000, 40_000_000]);
  t.is(callCost(media({ images: 3 }), { input: 1, output: 1 }).total, 0, 'a unit without a price is free');
});
