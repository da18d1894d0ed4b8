import type { ModelPrice } from '../price-schema.js';

/**
 * MiniMax pay-as-you-go prices for its China platform (api.minimaxi.com), CNY per million tokens, with cache reads
 * and writes priced apart. The older models (MiniMax-M2.1, MiniMax-M2, MiniMax-M1, abab6.5s…) sit in a folded
 * "historical models" part of the page that the copy read did not show: they are unpriced.
 */
const AS_OF = '2026-12-05';
const PAY_AS_YOU_GO = 'https://platform.minimaxi.com/docs/guides/pricing-paygo';
const CNY = 'CNY' as const;

const m2Family = (input: number, output: number, cachedInput: number): ModelPrice => ({
  currency: CNY,
  input,
  cached_input: cachedInput,
  cache_write: 2.625,
  output,
  source: PAY_AS_YOU_GO,
  as_of: AS_OF,
});

export const MINIMAX_PRICES: Readonly<Record<string, ModelPrice>> = {
  'MiniMax-M2.7': m2Family(2.1, 8.4, 0.42),
  'MiniMax-M2.7-highspeed': m2Family(4.2, 16.8, 0.42),
  'MiniMax-M2.5': m2Family(2.1, 8.4, 0.21),
  'MiniMax-M2.5-highspeed': m2Family(4.2, 16.8, 0.21),
  'M2-her': { currency: CNY, input: 2.1, output: 8.4, source: PAY_AS_YOU_GO, as_of: AS_OF },
};
