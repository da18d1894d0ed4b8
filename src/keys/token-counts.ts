import { createRedisClient, type RedisConnection } from '../storage/redis-client.js';

/** How old the view of a shared count may be before it is read again. */
const REFRESH_MS = 250;
/** A minute's count is kept a little longer than the minute, then expires. */
const COUNT_TTL_MS = 120_000;

const minuteOf = (now: number) => Math.floor(now / 60_000);

/**
 * Tokens each upstream key used this minute, for per-key `tpm` limits: in Redis when the gateway has one (every
 * instance's calls count), else in this process. A count is added once a call's usage is known, after its answer,
 * so a key can go over its budget by one call; what matters is that it then rests until the minute is over. While
 * Redis cannot answer, this instance's own counts decide.
 */
export class KeyTokenCounts {
  private readonly local = new Map<string, { minute: number; tokens: number }>();
  /** Tokens not yet added in Redis (counted before the connection was ready, or while a write failed), by name. */
  private readonly unsent = new Map<string, number>();
  private readonly remote = new Map<string, { tokens: number; at: number }>();
  private readonly reading = new Set<string>();
  private client: RedisConnection | undefined;

  constructor(
    private readonly redis?: { url: string; prefix: string; available: () => boolean },
    private readonly now: () => number = Date.now,
  ) {}

  private shared(): RedisConnection | undefined {
    if (!this.redis?.available()) return undefined;
    if (!this.client) {
      const client = createRedisClient(this.redis.url);
      client.on('ready', () => this.unsent.size > 0 && this.send(client));
      this.client = client;
    }
    return this.client;
  }

  private name(provider: string, keyId: string, minute: number): string {
    return `${this.redis?.prefix ?? ''}tpm:${provider}:${keyId}:${minute}`;
  }

  private localCount(provider: string, keyId: string, minute: number): number {
    const entry = this.local.get(`${provider}:${keyId}`);
    return entry?.minute === minute ? entry.tokens : 0;
  }

  add(provider: string, keyId: string, tokens: number): void {
    if (tokens <= 0) return;
    const minute = minuteOf(this.now());
    const id = `${provider}:${keyId}`;
    this.local.set(id, { minute, tokens: this.localCount(provider, keyId, minute) + tokens });
    const client = this.shared();
    if (!client) return;
    const name = this.name(provider, keyId, minute);
    this.unsent.set(name, (this.unsent.get(name) ?? 0) + tokens);
    if (client.status === 'ready') this.send(client);
  }

  private send(client: RedisConnection): void {
    const batch = [...this.unsent];
    this.unsent.clear();
    // One transaction per count: on a cluster the counts of different keys live in different slots.
    for (const [name, tokens] of batch) {
      client
        .multi()
        .incrby(name, tokens)
        .pexpire(name, COUNT_TTL_MS)
        .exec()
        .then(
          (results) => {
            if (results?.some(([error]) => error)) this.keep([[name, tokens]]);
          },
          () => this.keep([[name, tokens]]),
        );
    }
  }

  /** Puts back counts a write lost, unless their minute is over. */
  private keep(batch: readonly [string, number][]): void {
    const current = `:${minuteOf(this.now())}`;
    for (const [name, tokens] of batch) if (name.endsWith(current)) this.unsent.set(name, (this.unsent.get(name) ?? 0) + tokens);
  }

  /**
   * Tokens the key used this minute. With Redis, from a view of the shared count refreshed in the background at
   * most every REFRESH_MS (so a call never waits on Redis for it), and never below this instance's own count.
   */
  used(provider: string, keyId: string): number {
    const minute = minuteOf(this.now());
    const own = this.localCount(provider, keyId, minute);
    const client = this.shared();
    if (!client) return own;
    const name = this.name(provider, keyId, minute);
    const seen = this.remote.get(name);
    if ((seen === undefined || this.now() - seen.at >= REFRESH_MS) && !this.reading.has(name) && client.status === 'ready') this.refresh(client, name);
    return Math.max(own, seen?.tokens ?? 0);
  }

  private refresh(client: RedisConnection, name: string): void {
    this.reading.add(name);
    client
      .get(name)
      .then((value) => {
        for (const [known, entry] of this.remote) if (this.now() - entry.at > COUNT_TTL_MS) this.remote.delete(known);
        this.remote.set(name, { tokens: Number(value ?? 0), at: this.now() });
      })
      .catch(() => undefined)
      .finally(() => this.reading.delete(name));
  }

  close(): void {
    this.client?.disconnect();
  }
}
