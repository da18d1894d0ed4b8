import type { Logger } from '../logging/logger.js';
import type { KeyOutcome, KeyState } from './key-state.js';
import { MemoryPoolStore } from './memory-pool-store.js';
import type { PoolMember, PoolStore, Selection } from './pool-store.js';
import type { RedisPoolStore } from './redis-pool-store.js';
import { readyWithin } from '../storage/redis-client.js';

const MIRROR_REFRESH_MS = 10_000;
const PROBE_INTERVAL_MS = 1_000;

/**
 * The Redis store with a memory mirror to fall back on. While Redis answers, it is the truth, and the mirror
 * follows it (every change made here, plus a periodic copy of everything). When a Redis call fails, the store
 * says so once in the log, reports degraded, and serves from the mirror; it then probes Redis every second and,
 * once Redis answers again (possibly empty after a restart), writes back what changed meanwhile (newer key
 * states win), reloads the mirror from Redis and goes back to it.
 */
export class ResilientPoolStore implements PoolStore {
  private readonly mirror = new MemoryPoolStore();
  private readonly configured = new Map<string, readonly string[]>();
  private degradedSince: number | null = null;
  private readonly refreshTimer: NodeJS.Timeout;
  private probeTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisPoolStore,
    private readonly logger: Logger,
  ) {
    this.refreshTimer = setInterval(() => void this.refreshMirror(), MIRROR_REFRESH_MS);
    this.refreshTimer.unref();
  }

  /** Waits (up to `timeoutMs`) for the Redis connection, so start-up does not mistake "connecting" for a fault. */
  async connected(timeoutMs: number): Promise<void> {
    await readyWithin(this.redis.redis, timeoutMs);
  }

  /** True while Redis is unreachable and the mirror is serving. */
  get degraded(): boolean {
    return this.degradedSince !== null;
  }

  private fail(error: unknown): void {
    if (this.degradedSince !== null) return;
    this.degradedSince = Date.now();
    this.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'Redis is unreachable: serving pool state from memory until it is back');
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    this.probeTimer.unref();
  }

  private async probe(): Promise<void> {
    if (this.resyncing) return;
    try {
      await this.redis.redis.ping();
    } catch {
      return;
    }
    this.resyncing = this.resync().finally(() => (this.resyncing = undefined));
  }

  private async resync(): Promise<void> {
    try {
      for (const [pool, ids] of this.configured) {
        await this.redis.removeKeys(pool, this.mirror.removedIds(pool));
        await this.redis.registerPool(pool, ids);
        const added = (await this.mirror.members(pool)).filter((member): member is Required<PoolMember> => member.secret !== undefined);
        await this.redis.addKeys(pool, added);
        await this.redis.mergeStates(pool, await this.mirror.states(pool));
        await this.copyToMirror(pool);
      }
    } catch (error) {
      this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'Redis answered but resynchronising failed; retrying');
      return;
    }
    clearInterval(this.probeTimer);
    const outage = Date.now() - (this.degradedSince ?? Date.now());
    this.degradedSince = null;
    this.logger.info({ outageMs: outage }, 'Redis is back: pool state resynchronised');
  }

  private async copyToMirror(pool: string): Promise<void> {
    const [members, states, removed] = await Promise.all([this.redis.members(pool), this.redis.states(pool), this.redis.removedIds(pool)]);
    this.mirror.load(pool, members, states, removed);
  }

  private async refreshMirror(): Promise<void> {
    if (this.degraded) return;
    try {
      for (const pool of this.configured.keys()) await this.copyToMirror(pool);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Runs `operation` on Redis and `follow` on the mirror; on a Redis failure, degrades and runs `fallback`. */
  private async withFallback<T>(operation: () => Promise<T>, fallback: () => Promise<T>, follow?: () => Promise<unknown>): Promise<T> {
    if (this.degraded) return fallback();
    try {
      const result = await operation();
      if (follow) await follow();
      return result;
    } catch (error) {
      this.fail(error);
      return fallback();
    }
  }

  async registerPool(pool: string, configuredIds: readonly string[]): Promise<PoolMember[]> {
    this.configured.set(pool, configuredIds);
    await this.mirror.registerPool(pool, configuredIds);
    return this.withFallback(
      async () => {
        const members = await this.redis.registerPool(pool, configuredIds);
        await this.copyToMirror(pool);
        return members;
      },
      () => this.mirror.members(pool),
    );
  }

  select(pool: string, exclude: readonly string[], now: number, model?: string): Promise<Selection> {
    return this.withFallback(
      () => this.redis.select(pool, exclude, now, model),
      async () => this.mirror.select(pool, exclude, now, model),
    );
  }

  record(pool: string, id: string, outcome: KeyOutcome, now: number, model?: string): Promise<boolean> {
    return this.withFallback(
      () => this.redis.record(pool, id, outcome, now, model),
      () => this.mirror.record(pool, id, outcome, now, model),
      () => this.mirror.record(pool, id, outcome, now, model),
    );
  }

  members(pool: string): Promise<PoolMember[]> {
    return this.withFallback(
      () => this.redis.members(pool),
      () => this.mirror.members(pool),
    );
  }

  states(pool: string): Promise<KeyState[]> {
    return this.withFallback(
      () => this.redis.states(pool),
      () => this.mirror.states(pool),
    );
  }

  addKeys(pool: string, members: readonly Required<PoolMember>[]): Promise<void> {
    return this.withFallback(
      () => this.redis.addKeys(pool, members),
      () => this.mirror.addKeys(pool, members),
      () => this.mirror.addKeys(pool, members),
    );
  }

  removeKeys(pool: string, ids: readonly string[]): Promise<void> {
    return this.withFallback(
      () => this.redis.removeKeys(pool, ids),
      () => this.mirror.removeKeys(pool, ids),
      () => this.mirror.removeKeys(pool, ids),
    );
  }

  resetKeys(pool: string, ids: readonly string[], now: number): Promise<void> {
    return this.withFallback(
      () => this.redis.resetKeys(pool, ids, now),
      () => this.mirror.resetKeys(pool, ids, now),
      () => this.mirror.resetKeys(pool, ids, now),
    );
  }

  tryLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    return this.withFallback(
      () => this.redis.tryLock(name, holder, ttlMs),
      () => this.mirror.tryLock(name, holder, ttlMs),
    );
  }

  releaseLock(name: string, holder: string): Promise<void> {
    return this.withFallback(
      () => this.redis.releaseLock(name, holder),
      () => this.mirror.releaseLock(name, holder),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    clearInterval(this.probeTimer);
    await this.redis.close();
  }
}
