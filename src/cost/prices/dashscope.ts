import type { ModelPrice } from '../price-schema.js';

/**
 * Alibaba Cloud Model Studio (DashScope, 百炼), China (Beijing) endpoint: CNY per million tokens, the list prices
 * of Aliyun's own pages (per 1,000 tokens there, times 1000 here). Only what those pages showed is priced:
 *
 * - qwen-plus, qwen-turbo and qwen-long come from the model list's table of lowest prices, in a copy from late 2024
 *   (qwen-max then meant qwen-max-2024-09-19). Guides of 2026 quote the same base prices, but also higher prices
 *   for prompts above 128K (qwen-plus) and for answers in thinking mode, which no Aliyun page read confirms: such
 *   calls are priced here at the base price, below what Aliyun bills.
 * - qwen-max is left unpriced: that copy's price (0.02 yuan per 1,000 input tokens) is no longer the current one.
 * - qwen3-max, qwen-flash, qwq-plus and the text-embedding models were found on third-party pages only: unpriced.
 * - GLM served by DashScope has prices of its own, so those are written for the `dashscope` provider.
 */
const AS_OF = '2026-12-05';
const MODEL_LIST = 'https://help.aliyun.com/zh/model-studio/developer-reference/billing-for-applied-computer-vision';
const CNY = 'CNY' as const;

/** Prompts above 32K tokens (Aliyun's K is 1,024: GLM-4.5's largest prompt is 98,304 = 96K). */
const ABOVE_32K = 32_768;

export const DASHSCOPE_PRICES: Readonly<Record<string, ModelPrice>> = {
  'qwen-plus': { currency: CNY, input: 0.8, output: 2, source: MODEL_LIST, as_of: AS_OF },
  'qwen-turbo': { currency: CNY, input: 0.3, output: 0.6, source: MODEL_LIST, as_of: AS_OF },
  'qwen-long': { currency: CNY, input: 0.5, output: 2, source: MODEL_LIST, as_of: AS_OF },
  'qwen-coder-turbo': { currency: CNY, input: 2, output: 6, source: 'https://help.aliyun.com/zh/model-studio/qwen-coder-turbo', as_of: AS_OF },
  // A hit on the implicit cache costs 0.12; one on an explicit cache (0.06) cannot be told apart and costs as much.
  'qwen-doc-turbo': {
    currency: CNY,
    input: 0.6,
    cached_input: 0.12,
    cache_write: 0.75,
    output: 1,
    source: 'https://help.aliyun.com/zh/model-studio/qwen-doc-turbo',
    as_of: AS_OF,
  },
  'dashscope/glm-4.5': {
    currency: CNY,
    input: 3,
    output: 14,
    tiers: [{ above_input_tokens: ABOVE_32K, input: 4, output: 16 }],
    source: 'https://help.aliyun.com/zh/model-studio/glm-4-5',
    as_of: AS_OF,
  },
  'dashscope/glm-4.5-air': {
    currency: CNY,
    input: 0.8,
    output: 6,
    tiers: [{ above_input_tokens: ABOVE_32K, input: 1.2, output: 8 }],
    source: 'https://help.aliyun.com/zh/model-studio/glm-4-5-air',
    as_of: AS_OF,
  },
  'dashscope/glm-5': {
    currency: CNY,
    input: 6,
    cached_input: 1.5,
    output: 22,
    source: 'https://help.aliyun.com/zh/model-studio/glm-5-by-zhipu',
    as_of: AS_OF,
  },
};
