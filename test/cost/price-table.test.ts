import test from 'ava';
import type { ModelPrice } from '../../src/cost/price-schema.js';
import { PriceTable } from '../../src/cost/price-table.js';

// Each price is told apart by its input.
const priced = (input: number): ModelPrice => ({ input, output: 1 });
const inputOf = (price: ModelPrice | undefined) => price?.input;

test('a provider-qualified name beats the bare name, and an exact name beats a glob', (t) => {
  const table = PriceTable.from({
    'deepseek-chat': priced(1),
    'deepseek/deepseek-chat': priced(2),
    'deepseek-*': priced(3),
    'deepseek/*': priced(4),
  });
  t.is(inputOf(table.lookup('deepseek', 'deepseek-chat')), 2);
  t.is(inputOf(table.lookup('proxy', 'deepseek-chat')), 1);
  t.is(inputOf(table.lookup('deepseek', 'deepseek-coder')), 4, 'a glob on provider/model before a glob on the model');
  t.is(inputOf(table.lookup('proxy', 'deepseek-coder')), 3);
});

test('a provider-qualified glob beats the bare name: what is written for an upstream wins over list prices', (t) => {
  const table = PriceTable.from({ 'reseller/*': priced(1), 'gpt-4o': priced(2), 'house/*': null });
  t.is(inputOf(table.lookup('reseller', 'gpt-4o')), 1);
  t.is(inputOf(table.lookup('reseller', 'my-deployment')), 1);
  t.is(inputOf(table.lookup('openai', 'gpt-4o')), 2);
  t.is(table.lookup('house', 'gpt-4o'), undefined);
});

test('several qualifiers are tried in order (an upstream, then its provider kind) before the bare name', (t) => {
  const table = PriceTable.from({ 'azure/my-deployment': priced(1), 'azure-eu/my-deployment': priced(2), 'gpt-4o': priced(3), 'azure/gpt-4o': priced(4) });
  t.is(inputOf(table.lookup(['azure-eu', 'azure'], 'my-deployment')), 2);
  t.is(inputOf(table.lookup(['azure-us', 'azure'], 'my-deployment')), 1);
  t.is(inputOf(table.lookup(['azure-us', 'azure'], 'gpt-4o')), 4);
  t.is(inputOf(table.lookup(['openai-eu', 'openai'], 'gpt-4o')), 3);
});

test('of two globs the one with the longer literal prefix wins, whatever their order', (t) => {
  const table = PriceTable.from({ 'gpt-*': priced(1), 'gpt-4o*': priced(2), 'gpt-4o-mini*': priced(3), '*-mini': priced(4) });
  t.is(inputOf(table.lookup('openai', 'gpt-4o-mini-2024-07-18')), 3);
  t.is(inputOf(table.lookup('openai', 'gpt-4o-2024-08-06')), 2);
  t.is(inputOf(table.lookup('openai', 'gpt-5')), 1);
  t.is(inputOf(table.lookup('openai', 'o4-mini')), 4);
});

test('a models/ prefix is dropped; names are case-sensitive; an unknown model has no price', (t) => {
  const table = PriceTable.from({ 'gemini-2.5-pro': priced(1), 'gemini/gemini-2.5-flash': priced(2) });
  t.is(inputOf(table.lookup('gemini', 'models/gemini-2.5-pro')), 1);
  t.is(inputOf(table.lookup('gemini', 'models/gemini-2.5-flash')), 2);
  t.is(table.lookup('gemini', 'Gemini-2.5-Pro'), undefined);
  t.is(table.lookup('gemini', 'gemini-9'), undefined);
});

test('overrides win over the shipped prices, and null makes a model unpriced even where a glob would price it', (t) => {
  const shipped = { 'gpt-4o': priced(1), 'gpt-4o*': priced(2), 'o3': priced(3) };
  const table = PriceTable.merge(shipped, { 'gpt-4o': null, 'o3': priced(30), 'azure/my-deployment': priced(4) });
  t.is(table.lookup('openai', 'gpt-4o'), undefined);
  t.is(inputOf(table.lookup('openai', 'gpt-4o-mini')), 2);
  t.is(inputOf(table.lookup('openai', 'o3')), 30);
  t.is(inputOf(table.lookup('azure', 'my-deployment')), 4);
  t.is(inputOf(PriceTable.from(shipped).lookup('openai', 'gpt-4o')), 1, 'the shipped entries are left as they were');
  const unpricedFamily = PriceTable.merge(shipped, { 'gpt-4o-*': null });
  t.is(unpricedFamily.lookup('openai', 'gpt-4o-mini'), undefined);
});

test('a bare glob never matches a provider-qualified name: `*-mini` prices gpt-4o-mini only where no exact name does', (t) => {
  const table = PriceTable.from({ '*-mini': priced(1), 'gpt-4o-mini': priced(2) });
  t.is(inputOf(table.lookup('openai', 'gpt-4o-mini')), 2);
  t.is(inputOf(table.lookup('openai', 'o4-mini')), 1);
});
