import type { ModelPrice } from '../price-schema.js';

/**
 * OpenAI list prices, standard tier (not Batch, Flex or Priority), USD per million tokens. `as_of` is the date the
 * page shows, or the day it was read (2026-12-05) when it shows none. Only the aliases are priced: a dated snapshot
 * may cost something else (gpt-4o-2024-05-13 costs more than gpt-4o). A cached-input price is listed only where a
 * page read showed it; without one, cached input is charged as plain input.
 */
export const OPENAI_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-5.1': {
    input: 1.25,
    cached_input: 0.125,
    output: 10,
    source: 'https://developers.openai.com/api/docs/models/gpt-5.1',
    as_of: '2026-12-05',
  },
  'gpt-5': {
    input: 1.25,
    output: 10,
    source: 'https://deploybase.ai/articles/openai-pricing',
    as_of: '2026-03',
  },
  'gpt-5-mini': {
    input: 0.25,
    cached_input: 0.025,
    output: 2,
    source: 'https://raw.githubusercontent.com/github/docs/main/data/tables/copilot/models-and-pricing.yml',
    as_of: '2026-12-05',
  },
  'gpt-5-nano': {
    input: 0.05,
    cached_input: 0.005,
    output: 0.4,
    source: 'https://developers.openai.com/api/docs/models/gpt-5-nano',
    as_of: '2026-12-05',
  },
  'gpt-4.1': {
    input: 2,
    cached_input: 0.5,
    output: 8,
    source: 'https://vercel.com/ai-gateway/models/gpt-4.1/providers',
    as_of: '2026-12-05',
  },
  'gpt-4.1-mini': {
    input: 0.4,
    cached_input: 0.1,
    output: 1.6,
    source: 'https://vercel.com/ai-gateway/models/gpt-4.1-mini/providers',
    as_of: '2026-12-05',
  },
  'gpt-4.1-nano': {
    input: 0.1,
    output: 0.4,
    source: 'https://deploybase.ai/articles/gpt-4.1-pricing',
    as_of: '2026-03',
  },
  'gpt-4o': {
    input: 2.5,
    cached_input: 1.25,
    output: 10,
    source: 'https://github.com/CommitBrief/commitbrief/wiki/Provider-OpenAI',
    as_of: '2026-05-27',
  },
  'gpt-4o-mini': {
    input: 0.15,
    cached_input: 0.075,
    output: 0.6,
    source: 'https://github.com/CommitBrief/commitbrief/wiki/Provider-OpenAI',
    as_of: '2026-05-27',
  },
  o3: {
    input: 2,
    output: 8,
    source: 'https://deploybase.ai/articles/openai-pricing',
    as_of: '2026-03',
  },
  'o4-mini': {
    input: 1.1,
    output: 4.4,
    source: 'https://deploybase.ai/articles/openai-pricing',
    as_of: '2026-03',
  },
  'text-embedding-3-small': {
    input: 0.02,
    output: 0,
    source: 'https://tokenmath.io/openai-api-pricing-explained',
    as_of: '2026-06-21',
  },
  // Media. tts-1 and tts-1-hd by the character ($15 and $30 per million; OpenAI's forum); whisper-1 by the second
  // ($0.006 a minute); dall-e-3 per image of a size (standard quality; HD costs more and is not told apart);
  // gpt-image-1 by its tokens ($5 text in, $10 image in, $40 image out per million). The last three are OpenAI's
  // pricing page as published, not re-read here.
  'tts-1': { input: 0, output: 0, per_character: 0.000015, source: 'https://community.openai.com/t/precise-pricing-for-tts-api/634297', as_of: '2026-12' },
  'tts-1-hd': { input: 0, output: 0, per_character: 0.00003, source: 'https://community.openai.com/t/precise-pricing-for-tts-api/634297', as_of: '2026-12' },
  'whisper-1': { input: 0, output: 0, per_audio_second: 0.0001, source: 'https://openai.com/api/pricing/', as_of: '2026-12' },
  'dall-e-3': {
    input: 0,
    output: 0,
    per_image: 0.04,
    per_image_by_size: { '1792x1024': 0.08, '1024x1792': 0.08 },
    source: 'https://openai.com/api/pricing/',
    as_of: '2026-12',
  },
  'gpt-image-1': { input: 5, output: 40, image_input: 10, image_output: 40, source: 'https://openai.com/api/pricing/', as_of: '2026-12' },
};
