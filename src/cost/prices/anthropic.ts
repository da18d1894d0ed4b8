import type { ModelPrice } from '../price-schema.js';

/**
 * Anthropic list prices, standard (not Batch), USD per million tokens. Anthropic prices prompt caching off the base
 * input price: a 5-minute cache write costs 1.25×, a 1-hour write 2×, a cache read 0.1×. Keys are globs that take
 * in the dated model ids (`claude-sonnet-4-5-20250929`) beside the aliases, narrow enough that a later version
 * (`claude-opus-5-5`) is not caught by an earlier one's glob. The pages read show no date: `as_of` is the day
 * they were read. Web search is priced per search
 * (https://platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool#usage-and-pricing).
 */
const PRICING_PAGE = 'https://platform.claude.com/docs/en/about-claude/pricing';

/** The web search tool: $10 per 1,000 searches, on top of the tokens its results add to the prompt. */
const WEB_SEARCH = 0.01;

const OPUS_4_5_AND_LATER: ModelPrice = {
  input: 5,
  cache_write: 6.25,
  cache_write_long: 10,
  cached_input: 0.5,
  output: 25,
  per_search: WEB_SEARCH,
  source: PRICING_PAGE,
  as_of: '2026-12-05',
};

const OPUS_4_AND_4_1: ModelPrice = {
  input: 15,
  cache_write: 18.75,
  cache_write_long: 30,
  cached_input: 1.5,
  output: 75,
  per_search: WEB_SEARCH,
  source: PRICING_PAGE,
  as_of: '2026-12-05',
};

export const ANTHROPIC_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-5': OPUS_4_5_AND_LATER,
  'claude-opus-4-8*': OPUS_4_5_AND_LATER,
  'claude-opus-4-7*': OPUS_4_5_AND_LATER,
  'claude-opus-4-6*': OPUS_4_5_AND_LATER,
  'claude-opus-4-5*': OPUS_4_5_AND_LATER,
  'claude-opus-4-1*': OPUS_4_AND_4_1,
  // Claude Opus 4: `claude-opus-4-0` and `claude-opus-4-20250514`.
  'claude-opus-4-0': OPUS_4_AND_4_1,
  'claude-opus-4-2025*': OPUS_4_AND_4_1,
  'claude-sonnet-5': {
    input: 2,
    cache_write: 2.5,
    cache_write_long: 4,
    cached_input: 0.2,
    output: 10,
    per_search: WEB_SEARCH,
    source: 'https://platform.claude.com/docs/zh-CN/models/sonnet-5/overview',
    as_of: '2026-12-05',
  },
  // The model page lists input and output; the cache prices follow Anthropic's multipliers.
  'claude-sonnet-4-5*': {
    input: 3,
    cache_write: 3.75,
    cache_write_long: 6,
    cached_input: 0.3,
    output: 15,
    per_search: WEB_SEARCH,
    source: 'https://platform.claude.com/docs/zh-CN/models/sonnet-4-5/overview.md',
    as_of: '2026-12-05',
  },
  // Listed beside Claude Sonnet 5 on its model page; the cache prices follow Anthropic's multipliers.
  'claude-haiku-4-5*': {
    input: 1,
    cache_write: 1.25,
    cache_write_long: 2,
    cached_input: 0.1,
    output: 5,
    per_search: WEB_SEARCH,
    source: 'https://platform.claude.com/docs/zh-CN/models/sonnet-5/overview',
    as_of: '2026-12-05',
  },
};
