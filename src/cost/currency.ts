import { TOKEN_PRICE_FIELDS, UNIT_PRICE_FIELDS, type ModelPrice, type PriceEntries, type PriceTier } from './price-schema.js';

/** What the operator says a US dollar costs in the currencies a price may be written in (CNY_PER_USD). */
export interface ExchangeRates {
  cnyPerUsd: number;
}

const AMOUNT_FIELDS: readonly string[] = [...TOKEN_PRICE_FIELDS, ...UNIT_PRICE_FIELDS];

function dividedAmounts<T extends ModelPrice | PriceTier>(prices: T, divisor: number): T {
  const converted: Record<string, unknown> = { ...prices };
  for (const field of AMOUNT_FIELDS) {
    const amount = converted[field];
    if (typeof amount === 'number') converted[field] = amount / divisor;
    // Prices by image size: a map of amounts.
    else if (amount !== null && typeof amount === 'object') converted[field] = Object.fromEntries(Object.entries(amount).map(([key, value]) => [key, (value as number) / divisor]));
  }
  return converted as T;
}

/** `price` with every amount in USD; a USD price is returned as it is. */
export function priceInUsd(price: ModelPrice, rates: ExchangeRates | undefined): ModelPrice {
  if ((price.currency ?? 'USD') === 'USD') return price;
  if (rates === undefined) throw new Error('a CNY price needs an exchange rate to be converted to USD');
  const { currency: _currency, tiers, ...rest } = dividedAmounts(price, rates.cnyPerUsd);
  return tiers === undefined ? rest : { ...rest, tiers: tiers.map((tier) => dividedAmounts(tier, rates.cnyPerUsd)) };
}

/** The entries with every price in USD (`null`, unpriced, stays so). */
export const pricesInUsd = (entries: PriceEntries, rates: ExchangeRates | undefined): PriceEntries =>
  Object.fromEntries(Object.entries(entries).map(([model, price]) => [model, price === null ? null : priceInUsd(price, rates)]));
