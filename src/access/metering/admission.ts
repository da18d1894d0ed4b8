import { randomUUID } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import { LIMIT_API_NAMES } from '../client-keys/client-key-service.js';
import type { Caller } from '../identity/caller.js';
import { COST_LIMITS, type AdmissionResult, type ClientLimits, type LimitName, type LimitStore } from '../limits/limit-store.js';
import { formatUsd } from '../../core/money.js';
import type { TimeWindows, WindowClock } from '../limits/time-windows.js';
import type { StoreWarning } from './store-warning.js';

const LIMIT_WORDS: Record<LimitName, string> = {
  maxConcurrent: 'concurrent requests',
  requestsPerMinute: 'requests per minute',
  tokensPerMinute: 'tokens per minute',
  requestsPerDay: 'requests per day',
  tokensPerDay: 'tokens per day',
  requestsPerMonth: 'requests per month',
  tokensPerMonth: 'tokens per month',
  requestsTotal: 'total requests',
  tokensTotal: 'total tokens',
  costPerDay: 'dollars per day',
  costPerMonth: 'dollars per month',
  costTotal: 'total dollars',
};

const BUDGETS = new Set<LimitName>(['requestsPerDay', 'tokensPerDay', 'requestsPerMonth', 'tokensPerMonth', 'requestsTotal', 'tokensTotal', ...COST_LIMITS]);

export const hasDollarBudget = (limits: ClientLimits): boolean => limits.costPerDay !== undefined || limits.costPerMonth !== undefined || limits.costTotal !== undefined;

/** A budget's state in words: counts as they are, dollars as money, with what the refused call needed. */
function budgetState(refusal: Extract<AdmissionResult, { admitted: false }>): string {
  if (!COST_LIMITS.has(refusal.limit)) return `limit ${refusal.allowed}, used ${refusal.used}`;
  const needed = refusal.requested ? `, this call may cost up to ${formatUsd(refusal.requested)}` : '';
  return `limit ${formatUsd(refusal.allowed)}, spent or reserved ${formatUsd(refusal.used)}${needed}`;
}

/** The 429 for a request over one of its key's limits, naming the limit and when it renews. */
export function limitExceeded(refusal: Extract<AdmissionResult, { admitted: false }>): GatewayError {
  const what = `${LIMIT_WORDS[refusal.limit]} (${LIMIT_API_NAMES[refusal.limit]})`;
  const retry = refusal.retryAfterSeconds;
  const budget = BUDGETS.has(refusal.limit);
  const message = budget
    ? `Budget exhausted for this API key on ${what}: ${budgetState(refusal)}. ${
        retry === undefined ? 'It does not renew; ask the operator of this gateway to raise it.' : `It renews in ${retry}s.`
      }`
    : `Rate limit reached for this API key on ${what}: limit ${refusal.allowed}, ${refusal.limit === 'maxConcurrent' ? 'in flight' : 'used'} ${refusal.used}. Please try again in ${retry ?? 1}s.`;
  return new GatewayError(429, message, {
    type: budget ? 'insufficient_quota' : 'rate_limit_error',
    code: budget ? 'insufficient_quota' : 'rate_limit_exceeded',
    headers: retry === undefined ? {} : { 'Retry-After': String(retry) },
  });
}

/** Told of each call a client key's limit refused (the metrics count them by limit). */
export interface LimitRefusalObserver {
  limitRefused(limit: LimitName): void;
}

export interface AdmissionOptions {
  limits: LimitStore;
  clock: WindowClock;
  /** How long an admitted call may hold a concurrency slot if its instance dies before settling it. */
  staleAfterMs: number;
  warning: StoreWarning;
  refusals?: LimitRefusalObserver | undefined;
}

/** Client keys' calls against their limits and budgets: admitted before the call, settled with its tokens after. */
export class Admission {
  private readonly limits: LimitStore;
  private readonly clock: WindowClock;
  private readonly staleAfterMs: number;
  private readonly warning: StoreWarning;
  private readonly refusals: LimitRefusalObserver | undefined;
  private readonly settling = new Set<Promise<void>>();

  constructor(options: AdmissionOptions) {
    this.limits = options.limits;
    this.clock = options.clock;
    this.staleAfterMs = options.staleAfterMs;
    this.warning = options.warning;
    this.refusals = options.refusals;
  }

  /**
   * Lets a client key's call through its limits and returns the ticket to settle it with, or throws the 429 naming
   * the limit. Other callers are unlimited (ALLOWED_TOKENS, the admin token, BYOK callers) and are not counted.
   * If the counters cannot be reached the call is let through without a ticket (and a warning logged): an outage
   * of the store must not take the gateway down. `reservation` gives the nano-dollars the call may cost (asked
   * only of a key with a dollar budget; it throws when the call cannot be priced).
   */
  async admit(caller: Caller, reservation: () => number = () => 0): Promise<string | undefined> {
    if (caller.kind !== 'client') return undefined;
    // Keys without limits are counted too: their usage shows per key, and a budget added later starts from it.
    const { key } = caller;
    // Not the request id: a client may send the same X-Request-Id on concurrent calls.
    const ticket = randomUUID();
    let result: AdmissionResult;
    const reserve = hasDollarBudget(key.limits) ? reservation() : 0;
    try {
      result = await this.limits.admit(key.id, key.limits, ticket, this.clock.windows(), this.staleAfterMs, reserve);
    } catch (error) {
      this.warning.warn('checking a client key’s limits (the call was let through)', error);
      return undefined;
    }
    if (!result.admitted) {
      this.refusals?.limitRefused(result.limit);
      throw limitExceeded(result);
    }
    return ticket;
  }

  /** Adds an admitted call's tokens and cost to its key's counters and frees its slot, in the background; never rejects. */
  settle(keyId: string, ticket: string, tokens: number, windows: TimeWindows, cost = 0): void {
    const work = this.limits.settle(keyId, ticket, tokens, windows, cost).catch((error: unknown) => this.warning.warn('settling a call’s tokens', error));
    this.settling.add(work);
    void work.finally(() => this.settling.delete(work));
  }

  /** Resolves once every settle started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all(this.settling);
  }
}
