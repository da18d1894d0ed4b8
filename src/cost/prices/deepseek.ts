import type { ModelPrice } from '../price-schema.js';

/**
 * DeepSeek's USD prices: input read from its context cache (a hit) is cheaper than input that misses it. Both
 * names are priced alike since 16:00 UTC on 2025-09-05, the date `as_of` records; the page read was the copy of
 * that date, so a later change of DeepSeek's prices is not in it.
 */
const DEEPSEEK_V3: ModelPrice = {
  input: 0.56,
  cached_input: 0.07,
  output: 1.68,
  source: 'https://api-docs.deepseek.com/quick_start/pricing',
  as_of: '2025-09-05',
};

export const DEEPSEEK_PRICES: Readonly<Record<string, ModelPrice>> = {
  'deepseek-chat': DEEPSEEK_V3,
  'deepseek-reasoner': DEEPSEEK_V3,
};
