/**
 * Money is counted in whole nano-dollars (1e-9 USD): exact for every list price per million tokens (which has at
 * most three decimals), addable in Redis with HINCRBY, and still exact in a double up to nine million dollars.
 */
export const NANO_PER_USD = 1_000_000_000;

export const usdToNano = (usd: number): number => Math.round(usd * NANO_PER_USD);

/** A nano-dollar amount in USD, as a number with at most nine decimals (what JSON answers carry). */
export const nanoToUsd = (nano: number): number => Number((nano / NANO_PER_USD).toFixed(9));

/** A nano-dollar amount as USD with nine decimals (`0.000012500`), printed from whole numbers (it is a header on every call). */
export function usdText(nano: number): string {
  const whole = Math.round(nano);
  const dollars = Math.trunc(whole / NANO_PER_USD);
  return `${dollars}.${String(whole - dollars * NANO_PER_USD).padStart(9, '0')}`;
}

/** `$0.0123`: trimmed to the significant decimals, at least two, for messages people read. */
export function formatUsd(nano: number): string {
  const fixed = (nano / NANO_PER_USD).toFixed(9).replace(/0+$/, '');
  const [whole, decimals = ''] = fixed.split('.');
  return `$${whole}.${decimals.padEnd(2, '0')}`;
}
