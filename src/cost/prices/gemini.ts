import type { ModelPrice } from '../price-schema.js';

/**
 * Google Gemini API (AI Studio) list prices, Standard tier, USD per million tokens; thinking is billed as output.
 * Grounding with Google Search on the 2.5 models is billed per grounded prompt: $35 per 1,000, proportionally
 * (Google's answer on its developer forum). Prices above 200k prompt tokens replace the base ones for the whole
 * call. Google's own pricing page was not among the pages read: the entries rest on pages that quote it, and
 * audio input (priced higher than text on Google's page) is left at the text price until confirmed.
 */
const GROUNDED_PROMPT_25 = 0.035;

export const GEMINI_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gemini-2.5-pro': {
    input: 1.25,
    // "Context caching discounts reused context 90%", at both sizes of prompt.
    cached_input: 0.125,
    output: 10,
    per_search: GROUNDED_PROMPT_25,
    tiers: [{ above_input_tokens: 200_000, input: 2.5, cached_input: 0.25, output: 15 }],
    source: 'https://deploybase.ai/articles/gemini-api-pricing-2026',
    as_of: '2026-03',
  },
  'gemini-2.5-flash': {
    input: 0.3,
    cached_input: 0.03,
    output: 2.5,
    per_search: GROUNDED_PROMPT_25,
    source: 'https://vercel.com/ai-gateway/models/gemini-2.5-flash/providers',
    as_of: '2026-12-05',
  },
  'gemini-2.5-flash-lite': {
    input: 0.1,
    output: 0.4,
    per_search: GROUNDED_PROMPT_25,
    source: 'https://www.morphllm.com/gemini-api-pricing',
    as_of: '2026-12-05',
  },
  'gemini-3.1-pro-preview': {
    input: 2,
    output: 12,
    tiers: [{ above_input_tokens: 200_000, input: 4, output: 18 }],
    source: 'https://geotoolbox.ai/blog/gemini-api-pricing',
    as_of: '2026-07',
  },
  'gemini-3.1-flash-lite': {
    input: 0.25,
    output: 1.5,
    source: 'https://geotoolbox.ai/blog/gemini-api-pricing',
    as_of: '2026-07',
  },
  'gemini-3.5-flash': {
    input: 1.5,
    output: 9,
    source: 'https://geotoolbox.ai/blog/gemini-api-pricing',
    as_of: '2026-07',
  },
};
