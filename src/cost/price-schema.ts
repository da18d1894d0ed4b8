import { z } from 'zod';
import { hasAtMostDecimals } from './exact-cost.js';

/**
 * A model's price as the config file writes it (snake_case). Amounts are in the entry's `currency`, USD unless it
 * says CNY: token prices per million tokens, the others per unit. The parts left out fall back to the plain input or
 * output price when a call is priced (see `part-rates.ts`), so an entry only lists what its provider prices apart.
 * The schema has no transforms: what it accepts is what it gives (CNY is converted when a price table is built).
 */

// Six decimals keep every USD token part exact in whole nano-dollars: tokens × price × 1000 (see exact-cost.ts).
const perMillionTokens = z
  .number({ error: 'expected a price per million tokens' })
  .nonnegative({ error: 'a price cannot be negative' })
  .refine((value) => hasAtMostDecimals(value, 6), { error: 'a price per million tokens has at most 6 decimals' });

// Nine decimals: a per-unit USD price is then a whole number of nano-dollars.
const perUnit = z
  .number({ error: 'expected a price per unit' })
  .nonnegative({ error: 'a price cannot be negative' })
  .refine((value) => hasAtMostDecimals(value, 9), { error: 'a price per unit has at most 9 decimals (a nano-dollar)' });

/** The token prices a base price and a long-context tier both carry. */
const tokenPrices = {
  input: perMillionTokens,
  output: perMillionTokens,
  /** Input read from the prompt cache; default: `input`. */
  cached_input: perMillionTokens.optional(),
  /** Input written to the cache at the short (Anthropic: 5-minute) rate; default: `input`. */
  cache_write: perMillionTokens.optional(),
  /** Input written to the cache at the long (Anthropic: 1-hour) rate; default: `cache_write`. */
  cache_write_long: perMillionTokens.optional(),
  /** Reasoning (thinking) output; default: `output`. */
  reasoning: perMillionTokens.optional(),
  audio_input: perMillionTokens.optional(),
  audio_output: perMillionTokens.optional(),
  image_input: perMillionTokens.optional(),
  image_output: perMillionTokens.optional(),
};

/**
 * Long-context prices: for a call whose prompt has more than `above_input_tokens` tokens they replace the base
 * prices for the whole call. Parts a tier leaves out fall back to the tier's own input and output, not the base's.
 */
export const priceTierSchema = z.strictObject({
  above_input_tokens: z
    .number({ error: 'expected a number of prompt tokens' })
    .int({ error: 'expected a whole number of prompt tokens' })
    .positive({ error: 'expected a positive number of prompt tokens' }),
  ...tokenPrices,
});

const asOfDate = z.string({ error: 'expected a date' }).regex(/^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/, {
  error: 'expected a date as YYYY-MM-DD or YYYY-MM',
});

const unitPrices = {
  /** Per web search, or per grounded (search) request, billed beside the tokens. */
  per_search: perUnit.optional(),
  /** Media endpoints: per generated image, per second of audio (transcription, speech), per character (speech). */
  per_image: perUnit.optional(),
  /** Per generated image of a size (`1792x1024`), where the price depends on it; other sizes cost `per_image`. */
  per_image_by_size: z.record(z.string().regex(/^\d+x\d+$/, 'expected a size as <width>x<height>'), perUnit, { error: 'expected a map of image size to price' }).optional(),
  per_audio_second: perUnit.optional(),
  per_character: perUnit.optional(),
};

/** The currencies a price may be written in; amounts in CNY are converted to USD with the operator's rate. */
export const PRICE_CURRENCIES = ['USD', 'CNY'] as const;
export type PriceCurrency = (typeof PRICE_CURRENCIES)[number];

/** The fields of a price (and of a tier) that are amounts of money, per million tokens or per unit. */
export const TOKEN_PRICE_FIELDS = Object.keys(tokenPrices) as (keyof typeof tokenPrices)[];
export const UNIT_PRICE_FIELDS = Object.keys(unitPrices) as (keyof typeof unitPrices)[];

export const modelPriceSchema = z.strictObject(
  {
    /** What the amounts are in; default USD. */
    currency: z.enum(PRICE_CURRENCIES, { error: 'expected USD or CNY' }).optional(),
    ...tokenPrices,
    ...unitPrices,
    tiers: z
      .array(priceTierSchema, { error: 'expected a list of long-context tiers' })
      .refine((tiers) => new Set(tiers.map((tier) => tier.above_input_tokens)).size === tiers.length, {
        error: 'two tiers start above the same number of prompt tokens',
      })
      .optional(),
    /** Where the price was read, and when. */
    source: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    as_of: asOfDate.optional(),
  },
  // Only for a value that is not a map: an unknown field keeps zod's message, which names it.
  { error: (issue) => (issue.code === 'invalid_type' ? 'expected a price with at least input and output (per million tokens)' : undefined) },
);

/**
 * Model name (exact, glob, or `<provider>/<model>`) → price; `null` marks a model as unpriced, hiding any price a
 * broader entry (a glob, the shipped table) would give it.
 */
export const priceEntriesSchema = z.record(z.string().min(1, 'a model name must not be empty'), modelPriceSchema.nullable(), {
  error: 'expected a map of model name to price',
});

export type ModelPrice = z.infer<typeof modelPriceSchema>;
export type PriceTier = z.infer<typeof priceTierSchema>;
/** The token prices a base price and a tier share. */
export type TokenPrices = Omit<PriceTier, 'above_input_tokens'>;
export type PriceEntries = Readonly<Record<string, ModelPrice | null>>;
