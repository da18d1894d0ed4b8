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
  // Media. Imagen is billed per image whatever its aspect ratio; Gemini's image model by its image tokens ($30 per
  // million, 1290 tokens an image up to 1024x1024: $0.039), quoted from ai.google.dev/gemini-api/docs/pricing in
  // an answer on Google's developer forum.
  'imagen-4.0-generate-001': { input: 0, output: 0, per_image: 0.04, source: 'https://discuss.ai.google.dev/t/issue-with-url-context-tooling/101173', as_of: '2026-12' },
  'imagen-4.0-fast-generate-001': { input: 0, output: 0, per_image: 0.02, source: 'https://discuss.ai.google.dev/t/issue-with-url-context-tooling/101173', as_of: '2026-12' },
  'imagen-4.0-ultra-generate-001': { input: 0, output: 0, per_image: 0.06, source: 'https://discuss.ai.google.dev/t/issue-with-url-context-tooling/101173', as_of: '2026-12' },
  'imagen-3.0-generate-002': { input: 0, output: 0, per_image: 0.03, source: 'https://discuss.ai.google.dev/t/issue-with-url-context-tooling/101173', as_of: '2026-12' },
  'gemini-2.5-flash-image': { input: 0.3, output: 2.5, image_output: 30, source: 'https://discuss.ai.google.dev/t/issue-with-url-context-tooling/101173', as_of: '2026-12' },
  // Speech: text in, audio tokens out. Google's page was not among those read: these are its list prices as
  // of the preview (flash $0.50 / $10, pro $1 / $20 per million), to be checked against it.
  'gemini-2.5-flash-preview-tts': { input: 0.5, output: 10, source: 'https://ai.google.dev/gemini-api/docs/pricing', as_of: '2026-12' },
  'gemini-2.5-pro-preview-tts': { input: 1, output: 20, source: 'https://ai.google.dev/gemini-api/docs/pricing', as_of: '2026-12' },
};
