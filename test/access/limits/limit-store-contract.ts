import test, { type ExecutionContext } from 'ava';
import { LIMIT_ORDER, type ClientLimits, type KeyCounters, type LimitName, type LimitStore } from '../../../src/access/limits/limit-store.js';
import { WindowClock, type TimeWindows } from '../../../src/access/limits/time-windows.js';

const clock = new WindowClock('UTC');
const at = (iso: string): TimeWindows => clock.windows(Date.parse(iso));

/** Instants in one minute, the next minute, the next day and the next month. */
export const NOW = at('2026-11-22T14:30:15Z');
export const NEXT_MINUTE = at('2026-11-22T14:31:05Z');
export const NEXT_DAY = at('2026-11-23T09:00:00Z');
export const NEXT_MONTH = at('2026-12-01T00:00:30Z');

/** Long enough that no ticket goes stale during a test, unless a test means it to. */
const LONG = 60_000;

export const ZERO: KeyCounters = {
  requestsThisMinute: 0,
  tokensThisMinute: 0,
  requestsToday: 0,
  tokensToday: 0,
  requestsThisMonth: 0,
  tokensThisMonth: 0,
  requestsTotal: 0,
  tokensTotal: 0,
  costToday: 0,
  costThisMonth: 0,
  costTotal: 0,
  inFlight: 0,
  reserved: 0,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Period = 'minute' | 'day' | 'month' | 'total';

/** Each period's limits, the window after `NOW` in it, and when a refused caller may retry. */
const PERIODS: { period: Period; requests: LimitName; tokens: LimitName; next: TimeWindows; retryAfter: (windows: TimeWindows) => number | undefined }[] = [
  { period: 'minute', requests: 'requestsPerMinute', tokens: 'tokensPerMinute', next: NEXT_MINUTE, retryAfter: (windows) => windows.secondsToNextMinute },
  { period: 'day', requests: 'requestsPerDay', tokens: 'tokensPerDay', next: NEXT_DAY, retryAfter: (windows) => windows.secondsToNextDay },
  { period: 'month', requests: 'requestsPerMonth', tokens: 'tokensPerMonth', next: NEXT_MONTH, retryAfter: (windows) => windows.secondsToNextMonth },
  { period: 'total', requests: 'requestsTotal', tokens: 'tokensTotal', next: NEXT_MONTH, retryAfter: () => undefined },
];

/**
 * The behaviour every limit store must have. Run against the memory store and the Redis store, so the two stay
 * interchangeable. `open` gives a fresh, empty store for each test.
 */
export function limitStoreContract(name: string, open: () => Promise<LimitStore>): void {
  type Body = (t: ExecutionContext, store: LimitStore) => Promise<void>;
  const withStore = (title: string, body: Body) => test(`${name}: ${title}`, async (t) => body(t, await open()));
  /** For tests that time tickets going stale: run alone (serial tests run first), on a store already connected. */
  const timedWithStore = (title: string, body: Body) =>
    test.serial(`${name}: ${title}`, async (t) => {
      const store = await open();
      await store.counters('warm-up', NOW);
      await body(t, store);
    });

  let tickets = 0;
  const ticket = () => `ticket-${++tickets}`;

  /** Admits a request and settles it at once with `tokens`; returns whether it was admitted. */
  const call = async (store: LimitStore, limits: ClientLimits, tokens = 0, windows = NOW, keyId = 'k', cost = 0) => {
    const id = ticket();
    const result = await store.admit(keyId, limits, id, windows, LONG);
    if (result.admitted) await store.settle(keyId, id, tokens, windows, cost);
    return result;
  };

  withStore('limits with no fields admit everything', async (t, store) => {
    for (let index = 0; index < 30; index++) {
      t.true((await store.admit('k', index % 2 === 0 ? {} : { requestsTotal: undefined }, ticket(), NOW, LONG)).admitted);
    }
    t.deepEqual(await store.counters('k', NOW), {
      ...ZERO,
      requestsThisMinute: 30,
      requestsToday: 30,
      requestsThisMonth: 30,
      requestsTotal: 30,
      inFlight: 30,
    });
  });

  for (const { requests, retryAfter } of PERIODS) {
    withStore(`${requests} refuses the request after the allowed ones, and counts no refused request`, async (t, store) => {
      const limits = { [requests]: 3 };
      for (let index = 0; index < 3; index++) t.true((await call(store, limits)).admitted, `request ${index + 1}`);
      const refused = { admitted: false, limit: requests, allowed: 3, used: 3, retryAfterSeconds: retryAfter(NOW) };
      t.deepEqual(await call(store, limits), refused);
      t.deepEqual(await call(store, limits), refused, 'refusals are not counted');
      const counters = await store.counters('k', NOW);
      t.is(counters.requestsTotal, 3);
      t.is(counters.inFlight, 0);
    });
  }

  for (const { tokens, retryAfter } of PERIODS) {
    withStore(`${tokens} lets the call that crosses it through and refuses the next`, async (t, store) => {
      const limits = { [tokens]: 100 };
      t.true((await call(store, limits, 60)).admitted);
      t.true((await call(store, limits, 50)).admitted, '60 of 100 used: admitted, and it may cross the limit');
      t.deepEqual(await call(store, limits, 50), { admitted: false, limit: tokens, allowed: 100, used: 110, retryAfterSeconds: retryAfter(NOW) });
      t.is((await store.counters('k', NOW)).tokensTotal, 110, 'a refused call settles no tokens');

      const exact = 'exact';
      t.true((await call(store, limits, 100, NOW, exact)).admitted);
      t.deepEqual(await call(store, limits, 0, NOW, exact), { admitted: false, limit: tokens, allowed: 100, used: 100, retryAfterSeconds: retryAfter(NOW) });
    });
  }

  withStore('maxConcurrent counts tickets in flight; settling frees a slot', async (t, store) => {
    const limits = { maxConcurrent: 2 };
    t.true((await store.admit('k', limits, 'a', NOW, LONG)).admitted);
    t.true((await store.admit('k', limits, 'b', NOW, LONG)).admitted);
    const refused = { admitted: false, limit: 'maxConcurrent', allowed: 2, used: 2, retryAfterSeconds: 1 };
    t.deepEqual(await store.admit('k', limits, 'c', NOW, LONG), refused);
    await store.settle('k', 'a', 0, NOW);
    t.true((await store.admit('k', limits, 'c', NOW, LONG)).admitted);
    t.deepEqual(await store.admit('k', limits, 'd', NOW, LONG), refused);
    const counters = await store.counters('k', NOW);
    t.is(counters.inFlight, 2);
    t.is(counters.requestsTotal, 3);
  });

  withStore('limits are checked in LIMIT_ORDER; the first exceeded one is reported', async (t, store) => {
    await call(store, {}, 5, NOW, 'k', 3);
    t.true((await store.admit('k', {}, 'held', NOW, LONG)).admitted);
    // Now every limit of 1 is exceeded: 1 in flight, 2 requests, 5 tokens and 3 nano-dollars in every window.
    const used: Record<LimitName, number> = {
      maxConcurrent: 1,
      requestsPerMinute: 2,
      tokensPerMinute: 5,
      requestsPerDay: 2,
      tokensPerDay: 5,
      requestsPerMonth: 2,
      tokensPerMonth: 5,
      requestsTotal: 2,
      tokensTotal: 5,
      costPerDay: 3,
      costPerMonth: 3,
      costTotal: 3,
    };
    for (const [index, expected] of LIMIT_ORDER.entries()) {
      const limits = Object.fromEntries(LIMIT_ORDER.slice(index).map((limit) => [limit, 1]));
      const result = await store.admit('k', limits, ticket(), NOW, LONG);
      t.like(result, { admitted: false, limit: expected, allowed: 1, used: used[expected] });
    }
    t.is((await store.counters('k', NOW)).requestsTotal, 2);
  });

  withStore('a request refused by one limit counts toward no other', async (t, store) => {
    const limits = { requestsPerMinute: 2, requestsPerDay: 3 };
    t.true((await call(store, limits)).admitted);
    t.true((await store.admit('k', limits, 'held', NOW, LONG)).admitted);
    for (let index = 0; index < 5; index++) t.like(await call(store, limits), { admitted: false, limit: 'requestsPerMinute' });
    t.deepEqual(await store.counters('k', NOW), {
      requestsThisMinute: 2,
      tokensThisMinute: 0,
      requestsToday: 2,
      tokensToday: 0,
      requestsThisMonth: 2,
      tokensThisMonth: 0,
      requestsTotal: 2,
      tokensTotal: 0,
      costToday: 0,
      costThisMonth: 0,
      costTotal: 0,
      inFlight: 1,
      reserved: 0,
    });
    t.true((await call(store, limits, 0, NEXT_MINUTE)).admitted);
    t.deepEqual(await call(store, limits, 0, NEXT_MINUTE), {
      admitted: false,
      limit: 'requestsPerDay',
      allowed: 3,
      used: 3,
      retryAfterSeconds: NEXT_MINUTE.secondsToNextDay,
    });
  });

  withStore('a new minute, day or month starts those counters at zero; totals carry on', async (t, store) => {
    await call(store, {}, 10);
    const one = { requests: 1, tokens: 10 };
    const expect = (minute: typeof one | null, day: typeof one | null, month: typeof one | null, total: typeof one): KeyCounters => ({
      requestsThisMinute: minute?.requests ?? 0,
      tokensThisMinute: minute?.tokens ?? 0,
      requestsToday: day?.requests ?? 0,
      tokensToday: day?.tokens ?? 0,
      requestsThisMonth: month?.requests ?? 0,
      tokensThisMonth: month?.tokens ?? 0,
      requestsTotal: total.requests,
      tokensTotal: total.tokens,
      costToday: 0,
      costThisMonth: 0,
      costTotal: 0,
      inFlight: 0,
      reserved: 0,
    });
    t.deepEqual(await store.counters('k', NOW), expect(one, one, one, one));
    t.deepEqual(await store.counters('k', NEXT_MINUTE), expect(null, one, one, one));
    t.deepEqual(await store.counters('k', NEXT_DAY), expect(null, null, one, one));
    t.deepEqual(await store.counters('k', NEXT_MONTH), expect(null, null, null, one));
    await call(store, {}, 5, NEXT_MONTH);
    const next = { requests: 1, tokens: 5 };
    t.deepEqual(await store.counters('k', NEXT_MONTH), expect(next, next, next, { requests: 2, tokens: 15 }));
  });

  for (const { period, requests, tokens, next } of PERIODS.filter(({ period }) => period !== 'total')) {
    withStore(`${requests} and ${tokens} allow again in the next ${period}`, async (t, store) => {
      const limits = { [requests]: 2, [tokens]: 50 };
      t.true((await call(store, limits, 50)).admitted);
      t.like(await call(store, limits), { admitted: false, limit: tokens });
      t.true((await call(store, limits, 0, next)).admitted);
      t.true((await call(store, limits, 0, next)).admitted);
      t.like(await call(store, limits, 0, next), { admitted: false, limit: requests, used: 2 });
    });
  }

  withStore('totals never start again', async (t, store) => {
    t.true((await call(store, { requestsTotal: 1, tokensTotal: 50 }, 10)).admitted);
    t.deepEqual(await call(store, { requestsTotal: 1 }, 0, NEXT_MONTH), {
      admitted: false,
      limit: 'requestsTotal',
      allowed: 1,
      used: 1,
      retryAfterSeconds: undefined,
    });
    t.true((await call(store, { tokensTotal: 50 }, 40, NEXT_MONTH)).admitted);
    t.like(await call(store, { tokensTotal: 50 }, 0, NEXT_MONTH), { admitted: false, limit: 'tokensTotal', used: 50 });
  });

  timedWithStore('a ticket not settled in time stops counting as in flight', async (t, store) => {
    const limits = { maxConcurrent: 1 };
    t.true((await store.admit('k', limits, 'lost', NOW, 50)).admitted);
    t.like(await store.admit('k', limits, 'next', NOW, LONG), { admitted: false, limit: 'maxConcurrent' });
    t.is((await store.counters('k', NOW)).inFlight, 1);
    await sleep(75);
    t.is((await store.counters('k', NOW)).inFlight, 0);
    t.true((await store.admit('k', limits, 'next', NOW, LONG)).admitted);
    await store.settle('k', 'lost', 7, NOW);
    t.like(await store.counters('k', NOW), { inFlight: 1, requestsTotal: 2, tokensTotal: 7 }, 'a late settle still counts its tokens');
  });

  withStore('settling an unknown ticket counts its tokens and frees nothing', async (t, store) => {
    t.true((await store.admit('k', {}, 'known', NOW, LONG)).admitted);
    await store.settle('k', 'unknown', 5, NOW);
    await store.settle('never-admitted', 'unknown', 3, NOW);
    t.like(await store.counters('k', NOW), { inFlight: 1, requestsTotal: 1, tokensThisMinute: 5, tokensTotal: 5 });
    t.deepEqual(await store.counters('never-admitted', NOW), { ...ZERO, tokensThisMinute: 3, tokensToday: 3, tokensThisMonth: 3, tokensTotal: 3 });
  });

  withStore('token counts must be non-negative integers', async (t, store) => {
    await t.throwsAsync(store.settle('k', 'a', 1.5, NOW), { instanceOf: RangeError });
    await t.throwsAsync(store.settle('k', 'a', -1, NOW), { instanceOf: RangeError });
    t.deepEqual(await store.counters('k', NOW), ZERO);
  });

  withStore('keys count apart; forget drops every counter of one key', async (t, store) => {
    for (const keyId of ['k', 'other']) {
      await call(store, {}, 10, NOW, keyId);
      await call(store, {}, 10, NEXT_MONTH, keyId);
      t.true((await store.admit(keyId, {}, 'held', NEXT_MONTH, LONG)).admitted);
    }
    await store.forget('k');
    await store.forget('never-seen');
    t.deepEqual(await store.counters('k', NEXT_MONTH), ZERO);
    t.deepEqual(await store.counters('other', NEXT_MONTH), {
      requestsThisMinute: 2,
      tokensThisMinute: 10,
      requestsToday: 2,
      tokensToday: 10,
      requestsThisMonth: 2,
      tokensThisMonth: 10,
      requestsTotal: 3,
      tokensTotal: 20,
      costToday: 0,
      costThisMonth: 0,
      costTotal: 0,
      inFlight: 1,
      reserved: 0,
    });
    t.true((await call(store, { requestsTotal: 1, maxConcurrent: 1 }, 0, NEXT_MONTH)).admitted, 'a forgotten key starts afresh');
  });

  withStore('a dollar budget admits a call only if spent, reserved and its own reservation fit', async (t, store) => {
    const limits = { costPerDay: 10_000 };
    // Spent 6,000; a call in flight holds 3,000: a call reserving 1,000 fits exactly, one more nano-dollar does not.
    await call(store, limits, 0, NOW, 'k', 6_000);
    t.true((await store.admit('k', limits, 'flying', NOW, LONG, 3_000)).admitted);
    t.deepEqual(await store.admit('k', limits, ticket(), NOW, LONG, 1_001), {
      admitted: false,
      limit: 'costPerDay',
      allowed: 10_000,
      used: 9_000,
      requested: 1_001,
      retryAfterSeconds: NOW.secondsToNextDay,
    });
    t.like(await store.counters('k', NOW), { costToday: 6_000, reserved: 3_000, inFlight: 1 });
    t.true((await store.admit('k', limits, 'last', NOW, LONG, 1_000)).admitted);
    // The calls settle with what they cost, which frees their reservations.
    await store.settle('k', 'flying', 10, NOW, 2_500);
    await store.settle('k', 'last', 10, NOW, 500);
    t.like(await store.counters('k', NOW), { costToday: 9_000, costThisMonth: 9_000, costTotal: 9_000, reserved: 0, inFlight: 0 });
    t.true((await store.admit('k', limits, ticket(), NOW, LONG, 1_000)).admitted);
    t.like(await store.admit('k', { costPerMonth: 9_000 }, ticket(), NOW, LONG), { admitted: false, limit: 'costPerMonth', used: 10_000 });
    t.true((await store.admit('k', limits, ticket(), NEXT_DAY, LONG, 1_000)).admitted, 'a new day starts the day budget again');
  });

  timedWithStore('a reservation not settled in time is released with its ticket', async (t, store) => {
    t.true((await store.admit('k', { costTotal: 100 }, 'lost', NOW, 50, 100)).admitted);
    t.like(await store.admit('k', { costTotal: 100 }, 'next', NOW, LONG, 1), { admitted: false, limit: 'costTotal', used: 100 });
    await sleep(75);
    t.true((await store.admit('k', { costTotal: 100 }, 'next', NOW, LONG, 1)).admitted);
    t.like(await store.counters('k', NOW), { reserved: 1, inFlight: 1 });
  });
}
