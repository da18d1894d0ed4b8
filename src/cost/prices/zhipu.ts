import type { ModelPrice } from '../price-schema.js';

/**
 * Zhipu BigModel (open.bigmodel.cn) list prices, CNY per million tokens. GLM-5.3-Flash is priced at its list price:
 * the half-price offer on the page ended on 2026-09-09. Cache storage, billed per hour, was free for a limited time
 * and is not metered. The table of the other models (GLM-4.5 to GLM-4.7, GLM-4-Air, Embedding-3) was not in the
 * copy read: those are unpriced.
 */
const AS_OF = '2026-12-05';
const PRICING = 'https://docs.bigmodel.cn/cn/guide/start/pricing.md';
const GLM_4 = 'https://docs.bigmodel.cn/cn/guide/models/text/glm-4.md';
const CNY = 'CNY' as const;

/** "The free language model GLM-4-Flash", as the GLM-4 page calls it. */
const GLM_4_FLASH: ModelPrice = { currency: CNY, input: 0, output: 0, source: GLM_4, as_of: AS_OF };

export const ZHIPU_PRICES: Readonly<Record<string, ModelPrice>> = {
  'glm-5.3': { currency: CNY, input: 8, cached_input: 2, output: 28, source: PRICING, as_of: AS_OF },
  'glm-5.3-flash': { currency: CNY, input: 0.8, cached_input: 0.23, output: 2.8, source: PRICING, as_of: AS_OF },
  // One price, 5 yuan per million tokens, for input and output alike.
  'glm-4-plus': { currency: CNY, input: 5, output: 5, source: GLM_4, as_of: AS_OF },
  'glm-4-flash': GLM_4_FLASH,
  'glm-4-flash-250414': GLM_4_FLASH,
};
