import type { RedisConnection } from '../storage/redis-client.js';

/** A signed-in console session, filed under the SHA-256 of its id (the id itself lives only in the browser's cookie). */
export interface SessionRecord {
  /** The token state-changing requests must send in X-CSRF-Token. */
  csrfToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface SessionStore {
  put(idHash: string, record: SessionRecord): Promise<void>;
  get(idHash: string): Promise<SessionRecord | undefined>;
  delete(idHash: string): Promise<void>;
}

/** Sessions kept at most in memory; past it the ones that expire soonest make room. */
const MAX_MEMORY_SESSIONS = 10_000;

/** One instance's sessions. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  async put(idHash: string, record: SessionRecord): Promise<void> {
    if (this.sessions.size >= MAX_MEMORY_SESSIONS) this.makeRoom();
    this.sessions.set(idHash, record);
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const record = this.sessions.get(idHash);
    if (record && record.expiresAt <= this.now()) {
      this.sessions.delete(idHash);
      return undefined;
    }
    return record;
  }

  async delete(idHash: string): Promise<void> {
    this.sessions.delete(idHash);
  }

  private makeRoom(): void {
    const now = this.now();
    for (const [hash, record] of this.sessions) if (record.expiresAt <= now) this.sessions.delete(hash);
    if (this.sessions.size < MAX_MEMORY_SESSIONS) return;
    const soonest = [...this.sessions].sort((a, b) => a[1].expiresAt - b[1].expiresAt);
    for (const [hash] of soonest.slice(0, soonest.length / 10)) this.sessions.delete(hash);
  }
}

/** Sessions shared by every instance on one Redis, each a key expiring with its session. */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(idHash: string): string {
    return `${this.prefix}console:session:${idHash}`;
  }

  async put(idHash: string, record: SessionRecord): Promise<void> {
    await this.redis.set(this.key(idHash), JSON.stringify(record), 'PX', Math.max(1, record.expiresAt - this.now()));
  }

  async get(idHash: string): Promise<SessionRecord | undefined> {
    const text = await this.redis.get(this.key(idHash));
    if (text === null) return undefined;
    const record = JSON.parse(text) as SessionRecord;
    return record.expiresAt > this.now() ? record : undefined;
  }

  async delete(idHash: string): Promise<void> {
    await this.redis.del(this.key(idHash));
  }
}
