import test from 'ava';
import { modelPriceSchema, priceEntriesSchema } from '../../src/cost/price-schema.js';

const issuesOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (result.error?.issues ?? []).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));

test('a price with every part, tiers, source and date is accepted as written', (t) => {
  const price = {
    input: 1.25,
    output: 10,
    cached_input: 0.125,
    cache_write: 1.5625,
    cache_write_long: 2.5,
    reasoning: 12,
    audio_input: 3,
    audio_output: 20,
    image_input: 1.25,
    image_output: 30,
    per_search: 0.035,
    per_image: 0.04,
    per_audio_second: 0.0001,
    per_character: 0.000015,
    tiers: [{ above_input_tokens: 200_000, input: 2.5, output: 15, cached_input: 0.25 }],
    source: 'https://example.com/pricing',
    as_of: '2026-12-01',
  };
  t.deepEqual(modelPriceSchema.parse(price), price);
  t.true(modelPriceSchema.safeParse({ input: 0, output: 0, as_of: '2026-03' }).success, 'a month is date enough');
});

test('errors name the field, down to a tier of the list', (t) => {
  const result = modelPriceSchema.safeParse({
    input: -1,
    output: 'ten',
    cached: 0.1,
    tiers: [{ above_input_tokens: 200_000.5, input: 2, output: 4 }],
    source: 'ftp://example.com',
    as_of: '5 Dec 2026',
  });
  const issues = issuesOf(result);
  t.deepEqual(
    issues.map((issue) => issue.path),
    ['input', 'output', 'tiers.0.above_input_tokens', 'source', 'as_of', ''],
  );
  t.regex(issues.find((issue) => issue.path === '')!.message, /cached/, 'an unknown field is named');
  t.regex(issues.find((issue) => issue.path === 'input')!.message, /negative/);
});

test('input and output are required; everything else is optional', (t) => {
  t.deepEqual(
    issuesOf(modelPriceSchema.safeParse({ cached_input: 0.1 })).map((issue) => issue.path),
    ['input', 'output'],
  );
});

test('token prices have at most 6 decimals and unit prices at most 9, so every cost is whole nano-dollars', (t) => {
  t.true(modelPriceSchema.safeParse({ input: 0.000001, output: 0.075 }).success);
  t.deepEqual(
    issuesOf(modelPriceSchema.safeParse({ input: 0.0000001, output: 1, per_search: 0.0000000001 })).map((issue) => issue.path),
    ['input', 'per_search'],
  );
});

test('two tiers may not start above the same number of prompt tokens', (t) => {
  const tier = { above_input_tokens: 128_000, input: 2, output: 4 };
  t.deepEqual(
    issuesOf(modelPriceSchema.safeParse({ input: 1, output: 2, tiers: [tier, { ...tier, input: 3 }] })).map((issue) => issue.path),
    ['tiers'],
  );
});

test('a table of entries takes null for a model made unpriced, and names the entry in error', (t) => {
  t.deepEqual(priceEntriesSchema.parse({ 'gpt-4o': null, 'azure/*': { input: 1, output: 2 } }), {
    'gpt-4o': null,
    'azure/*': { input: 1, output: 2 },
  });
  t.deepEqual(
    issuesOf(priceEntriesSchema.safeParse({ 'deepseek/deepseek-chat': { input: 1 } })).map((issue) => issue.path),
    ['deepseek/deepseek-chat.output'],
  );
});
