import type { Logger } from '../logging/logger.js';
import { createRedisClient, type RedisConnection } from '../storage/redis-client.js';

/**
 * What is remembered about resources that live under one upstream key (a Gemini file, an upload in progress):
 * short records by name, each with its own lifetime. In this process, or in Redis so that every gateway instance
 * sends a later call about the resource with the same key. Values never hold a key's secret, only its id.
 */
export interface KeyAffinityStore {
  set(name: string, value: string, ttlMs: number): Promise<void>;
  get(name: string): Promise<string | undefined>;
  delete(name: string): Promise<void>;
  close(): void;
}

/** Records kept in memory before the oldest are dropped (each is a few dozen bytes). */
const MEMORY_MAX_ENTRIES = 100_000;

export class MemoryKeyAffinityStore implements KeyAffinityStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  set(name: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(name);
    if (this.entries.size >= MEMORY_MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(name, { value, expiresAt: this.now() + ttlMs });
    return Promise.resolve();
  }

  get(name: string): Promise<string | undefined> {
    const entry = this.entries.get(name);
    if (entry && entry.expiresAt <= this.now()) this.entries.delete(name);
    return Promise.resolve(entry && entry.expiresAt > this.now() ? entry.value : undefined);
  }

  delete(name: string): Promise<void> {
    this.entries.delete(name);
    return Promise.resolve();
  }

  close(): void {}
}

/**
 * The records in Redis under `<prefix>affinity:<name>`. A Redis failure is logged and answered as "nothing
 * remembered": the call then goes out on the pool's rotation, which is what it would do without the store.
 */
export class RedisKeyAffinityStore implements KeyAffinityStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  private key(name: string): string {
    return `${this.prefix}affinity:${name}`;
  }

  async set(name: string, value: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(this.key(name), value, 'PX', Math.max(1, Math.round(ttlMs)));
    } catch (error) {
      this.failed(error);
    }
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(this.key(name))) ?? undefined;
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.redis.del(this.key(name));
    } catch (error) {
      this.failed(error);
    }
  }

  close(): void {
    this.redis.disconnect();
  }

  private failed(error: unknown): void {
    this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'key affinity store unavailable');
  }
}

export function openKeyAffinityStore(redis: { url: string | undefined; prefix: string }, logger: Logger): KeyAffinityStore {
  return redis.url === undefined ? new MemoryKeyAffinityStore() : new RedisKeyAffinityStore(createRedisClient(redis.url), redis.prefix, logger);
}
