import type { TimeWindows } from './time-windows.js';

/**
 * A client key's limits and budgets; a missing field is no limit. Requests count when admitted; tokens count when
 * a call settles, so the call that crosses a token limit completes and the next one is refused. Dollar budgets
 * (in nano-dollars, 1e-9 USD) are checked against what was spent plus what calls in flight have reserved plus
 * the new call's own reservation (its estimated price), and a call settles with what it really cost.
 */
export interface ClientLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  maxConcurrent?: number;
  requestsPerDay?: number;
  requestsPerMonth?: number;
  requestsTotal?: number;
  tokensPerDay?: number;
  tokensPerMonth?: number;
  tokensTotal?: number;
  costPerDay?: number;
  costPerMonth?: number;
  costTotal?: number;
}

export type LimitName = keyof ClientLimits;

/** The order limits are checked in; the first one exceeded is the one reported. */
export const LIMIT_ORDER: readonly LimitName[] = [
  'maxConcurrent',
  'requestsPerMinute',
  'tokensPerMinute',
  'requestsPerDay',
  'tokensPerDay',
  'requestsPerMonth',
  'tokensPerMonth',
  'requestsTotal',
  'tokensTotal',
  'costPerDay',
  'costPerMonth',
  'costTotal',
];

/** The dollar budgets, checked with the calls' reservations. */
export const COST_LIMITS: ReadonlySet<LimitName> = new Set<LimitName>(['costPerDay', 'costPerMonth', 'costTotal']);

export type AdmissionResult =
  | { admitted: true }
  | {
      admitted: false;
      limit: LimitName;
      /** The configured limit. */
      allowed: number;
      /** What was already used (or in flight) when the request came; for a dollar budget, spent plus reserved. */
      used: number;
      /** For a dollar budget: what the refused call would have reserved. */
      requested?: number;
      /** When trying again can succeed: the next minute, day or month; 1 for concurrency; undefined for totals. */
      retryAfterSeconds: number | undefined;
    };

/** A client key's counters in the windows containing one instant. */
export interface KeyCounters {
  requestsThisMinute: number;
  tokensThisMinute: number;
  requestsToday: number;
  tokensToday: number;
  requestsThisMonth: number;
  tokensThisMonth: number;
  requestsTotal: number;
  tokensTotal: number;
  /** Nano-dollars spent. */
  costToday: number;
  costThisMonth: number;
  costTotal: number;
  inFlight: number;
  /** Nano-dollars reserved by the calls in flight. */
  reserved: number;
}

/**
 * Counters behind client keys' limits and budgets, shared by every gateway instance when kept in Redis. Each
 * method is one atomic step: two instances admitting at once can never both take the last request of a budget.
 */
export interface LimitStore {
  /**
   * Checks `limits` against the key's counters in `windows` and, only if every one passes, counts the request
   * (this minute, day, month and total) and marks `ticket` in flight, holding `reserve` nano-dollars of the
   * dollar budgets, until it is settled or `staleAfterMs` has passed (so a crashed instance does not hold
   * concurrency slots or money forever). A dollar budget admits the call only if spent + reserved + `reserve`
   * stays within it.
   */
  admit(keyId: string, limits: ClientLimits, ticket: string, windows: TimeWindows, staleAfterMs: number, reserve?: number): Promise<AdmissionResult>;
  /**
   * Adds the call's tokens and cost (nano-dollars) to the key's minute, day, month and total counters and ends
   * `ticket`'s flight and reservation.
   */
  settle(keyId: string, ticket: string, tokens: number, windows: TimeWindows, cost?: number): Promise<void>;
  counters(keyId: string, windows: TimeWindows): Promise<KeyCounters>;
  /** Drops every counter of a deleted key. */
  forget(keyId: string): Promise<void>;
}
