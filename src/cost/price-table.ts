import { compileGlob, isGlob } from '../core/glob.js';
import { pricesInUsd, type ExchangeRates } from './currency.js';
import type { ModelPrice, PriceEntries } from './price-schema.js';

interface GlobEntry {
  matches: (name: string) => boolean;
  price: ModelPrice | null;
}

/** The characters before a glob's first wildcard: the more of them, the more specific the glob. */
const literalPrefixLength = (pattern: string) => pattern.search(/[*?]/);

/** Gemini's API names models `models/<name>`; the table knows them by `<name>`. */
const MODELS_PREFIX = 'models/';

/**
 * Prices by model name. A key is an exact name, a glob (`gpt-4o*`) or a provider-qualified name
 * (`deepseek/deepseek-chat`, `azure/my-deployment`, globs allowed). Immutable: a changed config builds a new table.
 * Prices written in CNY are converted to USD once, when the table is built, at the rate it is given; a CNY entry
 * without a rate is an error, never read as USD.
 */
export class PriceTable {
  private readonly exact = new Map<string, ModelPrice | null>();
  /** Most specific first: the longest literal prefix, then the longest pattern, then the order of the entries. */
  private readonly globs: GlobEntry[];
  /** The globs written for an upstream (`reseller/*`): only these are tried on `provider/model` names. */
  private readonly qualifiedGlobs: GlobEntry[];

  /** The entries, every price in USD. */
  readonly entries: PriceEntries;

  private constructor(entries: PriceEntries, rates: ExchangeRates | undefined) {
    this.entries = pricesInUsd(entries, rates);
    const globs: (GlobEntry & { pattern: string })[] = [];
    for (const [key, price] of Object.entries(this.entries)) {
      if (isGlob(key)) globs.push({ pattern: key, matches: compileGlob(key), price });
      else this.exact.set(key, price);
    }
    this.globs = globs.sort(
      (a, b) => literalPrefixLength(b.pattern) - literalPrefixLength(a.pattern) || b.pattern.length - a.pattern.length,
    );
    this.qualifiedGlobs = globs.filter((entry) => entry.pattern.includes('/'));
  }

  static from(entries: PriceEntries, rates?: ExchangeRates): PriceTable {
    return new PriceTable(entries, rates);
  }

  /** The shipped prices with the config file's over them: an override wins, and `null` makes a model unpriced. */
  static merge(shipped: PriceEntries, overrides: PriceEntries, rates?: ExchangeRates): PriceTable {
    return new PriceTable({ ...shipped, ...overrides }, rates);
  }

  /**
   * The price of `model` served by `providers` (an upstream name, then its provider kind); undefined when it has
   * none, which means unpriced, never free. Tried in order, for each provider: the exact `provider/model`, then
   * globs matching it; then the exact `model`, then globs matching it. What an operator wrote for an upstream
   * (`reseller/*`) thus wins over a model's list price. Names are case-sensitive and a `models/` prefix is dropped.
   * Not cached: a call's price is remembered by its caller (calls/table-pricing.ts), by upstream and model.
   */
  lookup(providers: string | readonly string[], model: string): ModelPrice | undefined {
    const qualifiers = typeof providers === 'string' ? [providers] : providers;
    const bare = model.startsWith(MODELS_PREFIX) ? model.slice(MODELS_PREFIX.length) : model;
    const qualified = this.find(qualifiers.map((provider) => `${provider}/${bare}`), this.qualifiedGlobs);
    const price = qualified === undefined ? this.find([bare], this.globs) : qualified;
    return price ?? undefined;
  }

  /** The entry for the first of `names` that has one: its price, null for unpriced, undefined for none. */
  private find(names: readonly string[], globs: readonly GlobEntry[]): ModelPrice | null | undefined {
    for (const name of names) {
      if (this.exact.has(name)) return this.exact.get(name);
      const glob = globs.find((entry) => entry.matches(name));
      if (glob) return glob.price;
    }
    return undefined;
  }
}
