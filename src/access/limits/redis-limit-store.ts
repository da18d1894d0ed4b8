import { COST_LIMITS, LIMIT_ORDER, type AdmissionResult, type ClientLimits, type KeyCounters, type LimitName, type LimitStore } from './limit-store.js';
import { assertTokenCount, refusal } from './memory-limit-store.js';
import { ADMIT, COUNTERS, FORGET, SETTLE } from './redis-limit-scripts.js';
import type { TimeWindows } from './time-windows.js';
import { withScripts, type RedisConnection } from '../../storage/redis-client.js';

type Reply = string | number | null | Reply[];

interface LimitScripts {
  llmgwLimitAdmit(...keysAndArgs: (string | number)[]): Promise<Reply>;
  llmgwLimitSettle(...keysAndArgs: (string | number)[]): Promise<Reply>;
  llmgwLimitCounters(...keysAndArgs: (string | number)[]): Promise<Reply>;
  llmgwLimitForget(total: string, inFlight: string, windows: string, reserved: string): Promise<Reply>;
}

const SCRIPTS: [keyof LimitScripts, number, string][] = [
  ['llmgwLimitAdmit', 7, ADMIT],
  ['llmgwLimitSettle', 7, SETTLE],
  ['llmgwLimitCounters', 7, COUNTERS],
  ['llmgwLimitForget', 4, FORGET],
];

/**
 * Where the admission script finds what each limit counts: the position of the key among its KEYS (minute, day,
 * month, total, inflight) and the hash field ('' = the number of tickets in flight).
 */
const COUNTED_IN: Record<LimitName, [number, string]> = {
  maxConcurrent: [5, ''],
  requestsPerMinute: [1, 'r'],
  tokensPerMinute: [1, 't'],
  requestsPerDay: [2, 'r'],
  tokensPerDay: [2, 't'],
  requestsPerMonth: [3, 'r'],
  tokensPerMonth: [3, 't'],
  requestsTotal: [4, 'r'],
  tokensTotal: [4, 't'],
  costPerDay: [2, 'c'],
  costPerMonth: [3, 'c'],
  costTotal: [4, 'c'],
};

const integer = (value: Reply | undefined): number => {
  const number = Number(value ?? 0);
  if (!Number.isInteger(number)) throw new Error(`unexpected counter in a Redis reply: ${String(value)}`);
  return number;
};

/**
 * Limit counters in Redis, shared by every gateway instance: admit, settle and counters are one script call each.
 * A key's keys share a hash tag (`{keyId}`), as Redis Cluster would require of a script's keys. Stale tickets
 * are judged by this process's clock, not Redis TIME.
 */
export class RedisLimitStore implements LimitStore {
  private readonly scripts: LimitScripts;

  constructor(
    readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    this.scripts = withScripts<LimitScripts>(redis, SCRIPTS);
  }

  /** minute, day, month, total, inflight, windows, reserved: the KEYS of admit, settle and counters. */
  private keys(keyId: string, windows: TimeWindows): [string, string, string, string, string, string, string] {
    const base = this.base(keyId);
    const { minute, day, month } = windows;
    return [`${base}minute:${minute}`, `${base}day:${day}`, `${base}month:${month}`, `${base}total`, `${base}inflight`, `${base}windows`, `${base}reserved`];
  }

  private base(keyId: string): string {
    return `${this.prefix}limits:{${keyId}}:`;
  }

  async admit(keyId: string, limits: ClientLimits, ticket: string, windows: TimeWindows, staleAfterMs: number, reserve = 0): Promise<AdmissionResult> {
    assertTokenCount(reserve, 'reserve');
    const now = Date.now();
    const checked: [LimitName, number][] = [];
    const args: (string | number)[] = [now, now + staleAfterMs, ticket, reserve];
    for (const limit of LIMIT_ORDER) {
      const allowed = limits[limit];
      if (allowed === undefined) continue;
      checked.push([limit, allowed]);
      args.push(...COUNTED_IN[limit], allowed, COST_LIMITS.has(limit) ? 1 : 0);
    }
    const reply = await this.scripts.llmgwLimitAdmit(...this.keys(keyId, windows), ...args);
    if (!Array.isArray(reply)) return { admitted: true };
    const reached = checked[integer(reply[0]) - 1];
    if (reached === undefined) throw new Error(`unexpected admission reply from Redis: ${JSON.stringify(reply)}`);
    return refusal(reached[0], reached[1], integer(reply[1]), windows, reserve);
  }

  async settle(keyId: string, ticket: string, tokens: number, windows: TimeWindows, cost = 0): Promise<void> {
    assertTokenCount(tokens);
    assertTokenCount(cost, 'cost');
    await this.scripts.llmgwLimitSettle(...this.keys(keyId, windows), Date.now(), ticket, tokens, cost);
  }

  async counters(keyId: string, windows: TimeWindows): Promise<KeyCounters> {
    const reply = await this.scripts.llmgwLimitCounters(...this.keys(keyId, windows), Date.now());
    const values = Array.isArray(reply) ? reply : [];
    return {
      requestsThisMinute: integer(values[0]),
      tokensThisMinute: integer(values[1]),
      requestsToday: integer(values[3]),
      tokensToday: integer(values[4]),
      costToday: integer(values[5]),
      requestsThisMonth: integer(values[6]),
      tokensThisMonth: integer(values[7]),
      costThisMonth: integer(values[8]),
      requestsTotal: integer(values[9]),
      tokensTotal: integer(values[10]),
      costTotal: integer(values[11]),
      inFlight: integer(values[12]),
      reserved: integer(values[13]),
    };
  }

  async forget(keyId: string): Promise<void> {
    const base = this.base(keyId);
    await this.scripts.llmgwLimitForget(`${base}total`, `${base}inflight`, `${base}windows`, `${base}reserved`);
  }
}
