import type { Redis } from 'ioredis';
import { LIMIT_ORDER, type AdmissionResult, type ClientLimits, type KeyCounters, type LimitName, type LimitStore } from './limit-store.js';
import { assertTokenCount, refusal } from './memory-limit-store.js';
import { ADMIT, COUNTERS, FORGET, SETTLE } from './redis-limit-scripts.js';
import type { TimeWindows } from './time-windows.js';
import { withScripts } from '../../storage/redis-client.js';

type Reply = string | number | null | Reply[];

interface LimitScripts {
  llmgwLimitAdmit(...keysAndArgs: (string | number)[]): Promise<Reply>;
  llmgwLimitSettle(...keysAndArgs: (string | number)[]): Promise<Reply>;
  llmgwLimitCounters(...keysAndArgs: (string | number)[]): Promise<Reply>;
  llmgwLimitForget(total: string, inFlight: string, windows: string): Promise<Reply>;
}

const SCRIPTS: [keyof LimitScripts, number, string][] = [
  ['llmgwLimitAdmit', 6, ADMIT],
  ['llmgwLimitSettle', 6, SETTLE],
  ['llmgwLimitCounters', 5, COUNTERS],
  ['llmgwLimitForget', 3, FORGET],
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
    readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.scripts = withScripts<LimitScripts>(redis, SCRIPTS);
  }

  /** minute, day, month, total, inflight, windows: the KEYS of admit and settle (counters takes the first five). */
  private keys(keyId: string, windows: TimeWindows): [string, string, string, string, string, string] {
    const base = this.base(keyId);
    const { minute, day, month } = windows;
    return [`${base}minute:${minute}`, `${base}day:${day}`, `${base}month:${month}`, `${base}total`, `${base}inflight`, `${base}windows`];
  }

  private base(keyId: string): string {
    return `${this.prefix}limits:{${keyId}}:`;
  }

  async admit(keyId: string, limits: ClientLimits, ticket: string, windows: TimeWindows, staleAfterMs: number): Promise<AdmissionResult> {
    const now = Date.now();
    const checked: [LimitName, number][] = [];
    const args: (string | number)[] = [now, now + staleAfterMs, ticket];
    for (const limit of LIMIT_ORDER) {
      const allowed = limits[limit];
      if (allowed === undefined) continue;
      checked.push([limit, allowed]);
      args.push(...COUNTED_IN[limit], allowed);
    }
    const reply = await this.scripts.llmgwLimitAdmit(...this.keys(keyId, windows), ...args);
    if (!Array.isArray(reply)) return { admitted: true };
    const reached = checked[integer(reply[0]) - 1];
    if (reached === undefined) throw new Error(`unexpected admission reply from Redis: ${JSON.stringify(reply)}`);
    return refusal(reached[0], reached[1], integer(reply[1]), windows);
  }

  async settle(keyId: string, ticket: string, tokens: number, windows: TimeWindows): Promise<void> {
    assertTokenCount(tokens);
    await this.scripts.llmgwLimitSettle(...this.keys(keyId, windows), Date.now(), ticket, tokens);
  }

  async counters(keyId: string, windows: TimeWindows): Promise<KeyCounters> {
    const reply = await this.scripts.llmgwLimitCounters(...this.keys(keyId, windows).slice(0, 5), Date.now());
    const values = Array.isArray(reply) ? reply : [];
    return {
      requestsThisMinute: integer(values[0]),
      tokensThisMinute: integer(values[1]),
      requestsToday: integer(values[2]),
      tokensToday: integer(values[3]),
      requestsThisMonth: integer(values[4]),
      tokensThisMonth: integer(values[5]),
      requestsTotal: integer(values[6]),
      tokensTotal: integer(values[7]),
      inFlight: integer(values[8]),
    };
  }

  async forget(keyId: string): Promise<void> {
    const base = this.base(keyId);
    await this.scripts.llmgwLimitForget(`${base}total`, `${base}inflight`, `${base}windows`);
  }
}
