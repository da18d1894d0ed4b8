import test from 'ava';
import { tokenUsage } from '../../src/core/usage.js';
import { callCost } from '../../src/cost/call-cost.js';
import type { ModelPrice } from '../../src/cost/price-schema.js';
import { PriceTable } from '../../src/cost/price-table.js';
import { SHIPPED_PRICES } from '../../src/cost/prices/index.js';

const RATE = { cnyPerUsd: 8 };
const shipped = PriceTable.from(SHIPPED_PRICES, RATE);
const yuanEntries = Object.entries(SHIPPED_PRICES).filter((entry): entry is [string, ModelPrice] => entry[1]?.currency === 'CNY');

test('the providers billing in CNY ship prices in CNY, each from a provider page of a known date', (t) => {
  t.true(yuanEntries.length >= 15);
  for (const [model, price] of yuanEntries) {
    t.regex(price.source ?? '', /^https:\/\/(help\.aliyun\.com|docs\.bigmodel\.cn|platform\.minimaxi\.com|www\.xfyun\.cn)\//, `${model} has its provider's page`);
    t.regex(price.as_of ?? '', /^20\d\d-\d\d-\d\d$/, `${model} has a date`);
  }
});

test('every shipped CNY price is looked up in USD at the rate: amounts divided by it, the currency gone', (t) => {
  for (const [key, price] of yuanEntries) {
    const [provider, model] = key.includes('/') ? (key.split('/') as [string, string]) : ['any', key];
    const converted = shipped.lookup(provider, model)!;
    t.is(converted.currency, undefined, key);
    t.is(converted.input * RATE.cnyPerUsd, price.input, key);
    t.is(converted.output * RATE.cnyPerUsd, price.output, key);
  }
});

test('real model names of each provider find their price', (t) => {
  // 0.8 and 2 yuan a million at 8 yuan a dollar: $0.10 and $0.25.
  t.like(shipped.lookup(['dashscope'], 'qwen-plus'), { input: 0.1, output: 0.25 });
  t.like(shipped.lookup(['dashscope'], 'glm-4.5'), { input: 0.375, output: 1.75 });
  t.is(shipped.lookup(['zhipu'], 'glm-4.5'), undefined, 'DashScope’s price of GLM is not Zhipu’s');
  t.like(shipped.lookup(['zhipu'], 'glm-5.3'), { input: 1, cached_input: 0.25, output: 3.5 });
  t.like(shipped.lookup(['zhipu'], 'glm-4-flash'), { input: 0, output: 0 });
  t.like(shipped.lookup(['minimax'], 'MiniMax-M2.7'), { input: 0.2625, cached_input: 0.0525, output: 1.05 });
  t.like(shipped.lookup(['spark'], 'lite'), { input: 0, output: 0 });
  t.is(shipped.lookup(['spark'], '4.0Ultra'), undefined, 'sold in packages: unpriced, not free');
  t.is(shipped.lookup(['dashscope'], 'qwen-max'), undefined);
});

test('a DashScope GLM-4.5 call above 32K prompt tokens is priced at the higher tier', (t) => {
  const price = shipped.lookup(['dashscope'], 'glm-4.5')!;
  const cost = callCost(tokenUsage({ prompt: 40_000, completion: 1_000 }), price);
  // 4 and 16 yuan a million at 8 yuan a dollar: 40,000 × $0.50 + 1,000 × $2 per million tokens.
  t.is(cost.tier, 32_768);
  t.is(cost.total, (20_000 + 2_000) * 1_000);
});

test('Ollama runs on the operator’s machine and is free; its cloud models are not priced', (t) => {
  t.like(shipped.lookup(['ollama'], 'llama3.1:8b'), { input: 0, output: 0 });
  t.like(shipped.lookup(['my-ollama', 'ollama'], 'qwen3:32b'), { input: 0, output: 0 }, 'an upstream of the ollama kind');
  t.is(shipped.lookup(['ollama'], 'gpt-oss:120b-cloud'), undefined);
  t.is(shipped.lookup(['ollama'], 'gemma4:cloud'), undefined);
  t.is(shipped.lookup(['huggingface'], 'BAAI/bge-small-en-v1.5'), undefined, 'Hugging Face bills by compute time');
});
