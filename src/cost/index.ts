/** Prices and the arithmetic of cost: pure, without I/O; the meter, logs, budgets and routing build on it. */
export { modelPriceSchema, priceTierSchema, priceEntriesSchema, type ModelPrice, type PriceTier, type PriceEntries } from './price-schema.js';
export { priceInUsd, pricesInUsd, type ExchangeRates } from './currency.js';
export { callCost, estimateCost, type CallCost, type CostBreakdown } from './call-cost.js';
export { PriceTable } from './price-table.js';
export { SHIPPED_PRICES } from './prices/index.js';
// Amounts are whole nano-dollars; formatUsd gives "$0.0123" (trimmed, at least two decimals) for messages.
export { NANO_PER_USD, nanoToUsd, formatUsd } from '../core/money.js';
