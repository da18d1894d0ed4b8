/**
 * Prices times counts in whole nano-dollars, in integer arithmetic so that no float drift creeps in: 7 tokens at
 * $0.15 per million are 1,050 nano-dollars, not 1,049.9999999999998.
 */

/** Whether `value` has at most `decimals` decimals, allowing for the binary representation of a decimal literal. */
export const hasAtMostDecimals = (value: number, decimals: number): boolean => {
  const scaled = value * 10 ** decimals;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
};

/**
 * Nano-dollars of `tokens` at `usdPerMillion`, rounded to the nearest nano-dollar. A price of at most 6 decimals (what
 * the price schema allows in USD) is exact: with the price in millionths of a dollar per million tokens, `micros`,
 * the cost is tokens × micros / 1000 nano-dollars, `micros` split at 1000 so that no product leaves the exact
 * integers. A price converted from another currency has more decimals than any integer can hold; its product is
 * rounded once.
 */
export function tokensCost(tokens: number, usdPerMillion: number): number {
  if (!hasAtMostDecimals(usdPerMillion, 6)) return Math.round(tokens * usdPerMillion * 1000);
  const micros = Math.round(usdPerMillion * 1e6);
  const wholeNanoPerToken = Math.floor(micros / 1000);
  const thousandthsPerToken = micros % 1000;
  return tokens * wholeNanoPerToken + Math.round((tokens * thousandthsPerToken) / 1000);
}

/** Nano-dollars of `units` (searches, images…) at `usdPerUnit`: exact for a whole number of nano-dollars a unit. */
export const unitsCost = (units: number, usdPerUnit: number): number =>
  hasAtMostDecimals(usdPerUnit, 9) ? units * Math.round(usdPerUnit * 1e9) : Math.round(units * usdPerUnit * 1e9);
