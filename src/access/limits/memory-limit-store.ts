import { COST_LIMITS, LIMIT_ORDER, type AdmissionResult, type ClientLimits, type KeyCounters, type LimitName, type LimitStore } from './limit-store.js';
import type { TimeWindows } from './time-windows.js';

/** The counter each limit is checked against. */
const COUNTER_OF: Record<LimitName, keyof KeyCounters> = {
  maxConcurrent: 'inFlight',
  requestsPerMinute: 'requestsThisMinute',
  tokensPerMinute: 'tokensThisMinute',
  requestsPerDay: 'requestsToday',
  tokensPerDay: 'tokensToday',
  requestsPerMonth: 'requestsThisMonth',
  tokensPerMonth: 'tokensThisMonth',
  requestsTotal: 'requestsTotal',
  tokensTotal: 'tokensTotal',
  costPerDay: 'costToday',
  costPerMonth: 'costThisMonth',
  costTotal: 'costTotal',
};

const RETRY_AFTER: Record<LimitName, (windows: TimeWindows) => number | undefined> = {
  maxConcurrent: () => 1,
  requestsPerMinute: (windows) => windows.secondsToNextMinute,
  tokensPerMinute: (windows) => windows.secondsToNextMinute,
  requestsPerDay: (windows) => windows.secondsToNextDay,
  tokensPerDay: (windows) => windows.secondsToNextDay,
  requestsPerMonth: (windows) => windows.secondsToNextMonth,
  tokensPerMonth: (windows) => windows.secondsToNextMonth,
  requestsTotal: () => undefined,
  tokensTotal: () => undefined,
  costPerDay: (windows) => windows.secondsToNextDay,
  costPerMonth: (windows) => windows.secondsToNextMonth,
  costTotal: () => undefined,
};

/** The answer for a request refused by `limit`; shared with the Redis store so both answer alike. */
export function refusal(limit: LimitName, allowed: number, used: number, windows: TimeWindows, requested?: number): AdmissionResult {
  const refused: AdmissionResult = { admitted: false, limit, allowed, used, retryAfterSeconds: RETRY_AFTER[limit](windows) };
  if (requested !== undefined && COST_LIMITS.has(limit)) refused.requested = requested;
  return refused;
}

/** Whether a call needing `reserve` on top of `used` stays within `allowed`: a dollar budget counts the call's own reservation. */
export function exceeds(limit: LimitName, allowed: number, used: number, reserve: number): boolean {
  return COST_LIMITS.has(limit) ? used >= allowed || used + reserve > allowed : used >= allowed;
}

/** Throws unless `amount` is a count both stores can add (Redis only adds integers). */
export function assertTokenCount(amount: number, what = 'token count'): void {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${what} must be a non-negative integer, got ${amount}`);
}

interface Counts {
  requests: number;
  tokens: number;
  cost: number;
}

type WindowPeriod = 'minute' | 'day' | 'month';

interface KeyState {
  /** Counts by window id; older windows are dropped as newer ones appear, so each map holds one or two. */
  windows: Record<WindowPeriod, Map<string, Counts>>;
  total: Counts;
  /** Ticket → deadline (ms) after which it no longer counts as in flight, and the nano-dollars it reserved. */
  inFlight: Map<string, { deadline: number; reserve: number }>;
}

const NOTHING: Readonly<Counts> = { requests: 0, tokens: 0, cost: 0 };
const zero = (): Counts => ({ requests: 0, tokens: 0, cost: 0 });

/** The counts of window `id`, created if new; a new window drops the older ones (window ids sort by time). */
function windowCounts(counts: Map<string, Counts>, id: string): Counts {
  let current = counts.get(id);
  if (!current) {
    for (const older of counts.keys()) if (older < id) counts.delete(older);
    current = zero();
    counts.set(id, current);
  }
  return current;
}

function removeStale(inFlight: KeyState['inFlight'], now: number): void {
  for (const [ticket, { deadline }] of inFlight) if (deadline < now) inFlight.delete(ticket);
}

/** Limit counters in this process: the default without Redis. Each method runs without awaiting, so it is atomic. */
export class MemoryLimitStore implements LimitStore {
  private readonly keys = new Map<string, KeyState>();

  async admit(keyId: string, limits: ClientLimits, ticket: string, windows: TimeWindows, staleAfterMs: number, reserve = 0): Promise<AdmissionResult> {
    assertTokenCount(reserve, 'reserve');
    const now = Date.now();
    const key = this.key(keyId);
    removeStale(key.inFlight, now);
    const counters = this.snapshot(key, windows);
    for (const limit of LIMIT_ORDER) {
      const allowed = limits[limit];
      if (allowed === undefined) continue;
      const used = counters[COUNTER_OF[limit]] + (COST_LIMITS.has(limit) ? counters.reserved : 0);
      if (exceeds(limit, allowed, used, reserve)) return refusal(limit, allowed, used, windows, reserve);
    }
    this.add(key, windows, 'requests', 1);
    key.inFlight.set(ticket, { deadline: now + staleAfterMs, reserve });
    return { admitted: true };
  }

  async settle(keyId: string, ticket: string, tokens: number, windows: TimeWindows, cost = 0): Promise<void> {
    assertTokenCount(tokens);
    assertTokenCount(cost, 'cost');
    const key = this.key(keyId);
    key.inFlight.delete(ticket);
    if (tokens > 0) this.add(key, windows, 'tokens', tokens);
    if (cost > 0) this.add(key, windows, 'cost', cost);
  }

  async counters(keyId: string, windows: TimeWindows): Promise<KeyCounters> {
    const key = this.keys.get(keyId);
    if (key) removeStale(key.inFlight, Date.now());
    return this.snapshot(key, windows);
  }

  async forget(keyId: string): Promise<void> {
    this.keys.delete(keyId);
  }

  private key(keyId: string): KeyState {
    let key = this.keys.get(keyId);
    if (!key) {
      key = { windows: { minute: new Map(), day: new Map(), month: new Map() }, total: zero(), inFlight: new Map() };
      this.keys.set(keyId, key);
    }
    return key;
  }

  private add(key: KeyState, windows: TimeWindows, counter: keyof Counts, amount: number): void {
    windowCounts(key.windows.minute, windows.minute)[counter] += amount;
    windowCounts(key.windows.day, windows.day)[counter] += amount;
    windowCounts(key.windows.month, windows.month)[counter] += amount;
    key.total[counter] += amount;
  }

  private snapshot(key: KeyState | undefined, windows: TimeWindows): KeyCounters {
    const minute = key?.windows.minute.get(windows.minute) ?? NOTHING;
    const day = key?.windows.day.get(windows.day) ?? NOTHING;
    const month = key?.windows.month.get(windows.month) ?? NOTHING;
    const total = key?.total ?? NOTHING;
    return {
      requestsThisMinute: minute.requests,
      tokensThisMinute: minute.tokens,
      requestsToday: day.requests,
      tokensToday: day.tokens,
      requestsThisMonth: month.requests,
      tokensThisMonth: month.tokens,
      requestsTotal: total.requests,
      tokensTotal: total.tokens,
      costToday: day.cost,
      costThisMonth: month.cost,
      costTotal: total.cost,
      inFlight: key?.inFlight.size ?? 0,
      reserved: [...(key?.inFlight.values() ?? [])].reduce((sum, flight) => sum + flight.reserve, 0),
    };
  }
}
