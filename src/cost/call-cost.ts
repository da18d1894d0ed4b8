import { tokenUsage, type TokenUsage } from '../core/usage.js';
import { tokensCost, unitsCost } from './exact-cost.js';
import { partRates, tierInForce, type TokenPart } from './part-rates.js';
import type { ModelPrice } from './price-schema.js';
import type { MediaUsage } from '../core/usage.js';

/**
 * Nano-dollars of a media call's units: images at their size's price (`per_image_by_size`) or `per_image`, seconds
 * of audio at `per_audio_second`, characters at `per_character`; a unit without a price is free (its tokens, if any
 * were reported, are priced apart).
 */
export function mediaCost(media: MediaUsage, price: ModelPrice): number {
  const perImage = price.per_image_by_size?.[media.imageSize] ?? price.per_image ?? 0;
  return unitsCost(media.images, perImage) + Math.round(media.audioSeconds * unitsCost(1, price.per_audio_second ?? 0)) + unitsCost(media.characters, price.per_character ?? 0);
}

/** Nano-dollars of each part of a call, and of its searches. */
export type CostBreakdown = Record<TokenPart | 'searches' | 'media', number>;

export interface CallCost {
  /** Whole nano-dollars (1e-9 USD): the sum of the parts, each rounded to the nearest nano-dollar. */
  total: number;
  parts: CostBreakdown;
  /** `above_input_tokens` of the long-context tier the call was priced at; null for the base prices. */
  tier: number | null;
}

const partCost = (tokens: number, usdPerMillion: number) => (tokens === 0 ? 0 : tokensCost(tokens, usdPerMillion));

/**
 * What a call cost at `price`. Plain input is the prompt less its priced parts, plain output the completion less
 * its own; each part is priced at its rate, searches per search (free when the price has no `per_search`).
 */
export function callCost(usage: TokenUsage, price: ModelPrice): CallCost {
  const tier = tierInForce(price, usage.prompt);
  const rates = partRates(tier ?? price);
  // tokenUsage() already caps the parts; a usage built by hand must not make a plain part negative either.
  const plainInput = Math.max(0, usage.prompt - usage.cached - usage.cacheWrite - usage.cacheWriteLong - usage.audioInput - usage.imageInput);
  const plainOutput = Math.max(0, usage.completion - usage.reasoning - usage.audioOutput - usage.imageOutput);
  // Written out rather than mapped over the parts: this runs on every call, and a part not used costs nothing.
  const parts: CostBreakdown = {
    input: partCost(plainInput, rates.input),
    cached: partCost(usage.cached, rates.cached),
    cacheWrite: partCost(usage.cacheWrite, rates.cacheWrite),
    cacheWriteLong: partCost(usage.cacheWriteLong, rates.cacheWriteLong),
    audioInput: partCost(usage.audioInput, rates.audioInput),
    imageInput: partCost(usage.imageInput, rates.imageInput),
    output: partCost(plainOutput, rates.output),
    reasoning: partCost(usage.reasoning, rates.reasoning),
    audioOutput: partCost(usage.audioOutput, rates.audioOutput),
    imageOutput: partCost(usage.imageOutput, rates.imageOutput),
    searches: usage.searches === 0 ? 0 : unitsCost(usage.searches, price.per_search ?? 0),
    media: usage.media ? mediaCost(usage.media, price) : 0,
  };
  const total =
    parts.input + parts.cached + parts.cacheWrite + parts.cacheWriteLong + parts.audioInput + parts.imageInput +
    parts.output + parts.reasoning + parts.audioOutput + parts.imageOutput + parts.searches + parts.media;
  return { total, parts, tier: tier?.above_input_tokens ?? null };
}

/** Expected nano-dollars of a call of plain prompt and completion tokens (for routing by cost, and reservations). */
export const estimateCost = (price: ModelPrice, promptTokens: number, completionTokens: number): number =>
  callCost(tokenUsage({ prompt: promptTokens, completion: completionTokens }), price).total;
