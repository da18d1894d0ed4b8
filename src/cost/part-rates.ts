import type { ModelPrice, PriceTier, TokenPrices } from './price-schema.js';

/** The differently priced token parts of a call: plain `input` and `output`, the others as in `TokenUsage`. */
export type TokenPart = 'input' | 'cached' | 'cacheWrite' | 'cacheWriteLong' | 'audioInput' | 'imageInput' | 'output' | 'reasoning' | 'audioOutput' | 'imageOutput';

/** USD per million tokens of each part, every default filled in. */
export type PartRates = Record<TokenPart, number>;

/**
 * The long-context tier a call of `promptTokens` falls in: the highest whose threshold the prompt exceeds;
 * undefined when it exceeds none (the base prices apply).
 */
export function tierInForce(price: ModelPrice, promptTokens: number): PriceTier | undefined {
  let inForce: PriceTier | undefined;
  for (const tier of price.tiers ?? []) {
    if (promptTokens > tier.above_input_tokens && tier.above_input_tokens > (inForce?.above_input_tokens ?? -1)) inForce = tier;
  }
  return inForce;
}

/**
 * Every part's rate. A part without a price of its own costs what plain input or output costs (never nothing: a
 * part left out is one the provider does not price apart), and a 1-hour cache write what a 5-minute one costs.
 */
export function partRates(prices: TokenPrices): PartRates {
  const cacheWrite = prices.cache_write ?? prices.input;
  return {
    input: prices.input,
    cached: prices.cached_input ?? prices.input,
    cacheWrite,
    cacheWriteLong: prices.cache_write_long ?? cacheWrite,
    audioInput: prices.audio_input ?? prices.input,
    imageInput: prices.image_input ?? prices.input,
    output: prices.output,
    reasoning: prices.reasoning ?? prices.output,
    audioOutput: prices.audio_output ?? prices.output,
    imageOutput: prices.image_output ?? prices.output,
  };
}
