import Bottleneck from 'bottleneck';
import type { Logger } from '../logging/logger.js';
import { KeyTokenCounts } from './token-counts.js';
import { createRedisClient, type RedisConnection } from '../storage/redis-client.js';

export interface KeyLimit {
  /** Requests per minute per key. */
  rpm?: number | undefined;
  /** Calls in flight at once per key (a stream counts until it ends). */
  maxConcurrent?: number | undefined;
  /** Tokens per minute per key (prompt and completion, as the upstream reported them). */
  tpm?: number | undefined;
}

const CHECK_TIMEOUT_MS = 250;
/** Limiter state in Redis expires after this long without use. */
const CLUSTER_STATE_TTL_MS = 15 * 60_000;

const withTimeout = <T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);

/**
 * Optional per-key limits (requests per minute, calls in flight) with bottleneck, one limiter per upstream key.
 * With Redis the limiters are clustered, so a limit holds across gateway instances; while Redis is unreachable
 * (or without it) each instance enforces the limit on its own. Limits are a protection, not a correctness
 * guarantee: when a limiter cannot answer in time the call goes ahead.
 */
export class KeyRateLimits {
  private readonly clusteredLimiters = new Map<string, Bottleneck>();
  private readonly localLimiters = new Map<string, Bottleneck>();
  private connection: Bottleneck.IORedisConnection | undefined;
  private client: RedisConnection | undefined;
  private readonly tokens: KeyTokenCounts;

  /**
   * `redis.available` tells whether Redis is reachable (the pool store knows); the limiters get their own
   * connection, since bottleneck needs a subscriber and the store's client refuses to queue commands.
   */
  constructor(
    private limits: Readonly<Record<string, KeyLimit>>,
    private readonly logger: Logger,
    private readonly redis?: { url: string; prefix: string; available: () => boolean },
  ) {
    this.tokens = new KeyTokenCounts(redis);
  }

  applies(provider: string): boolean {
    return this.limits[provider] !== undefined;
  }

  /**
   * Takes new limits (a reloaded config): providers whose limit changed get new limiters; the old ones are let go
   * once calls already queued on them are surely over (`drainMs`).
   */
  update(limits: Readonly<Record<string, KeyLimit>>, drainMs: number): void {
    const changed = new Set(
      [...Object.keys(this.limits), ...Object.keys(limits)].filter((provider) => JSON.stringify(this.limits[provider]) !== JSON.stringify(limits[provider])),
    );
    this.limits = limits;
    if (changed.size === 0) return;
    const dropped: Bottleneck[] = [];
    for (const limiters of [this.clusteredLimiters, this.localLimiters]) {
      for (const [name, limiter] of limiters) {
        if (!changed.has(name.slice(0, name.lastIndexOf(':')))) continue;
        limiters.delete(name);
        dropped.push(limiter);
      }
    }
    if (dropped.length > 0) setTimeout(() => dropped.forEach((limiter) => void Promise.resolve(limiter.disconnect(false)).catch(() => undefined)), drainMs).unref();
  }

  /** The limiters' own Redis connection, opened when the first clustered limiter needs it. */
  private clusterConnection(): Bottleneck.IORedisConnection | undefined {
    if (!this.redis) return undefined;
    if (!this.connection) {
      this.client = createRedisClient(this.redis.url, { queueWhileOffline: true });
      this.connection = new Bottleneck.IORedisConnection({ client: this.client });
      this.connection.on('error', () => undefined);
    }
    return this.connection;
  }

  private limiter(provider: string, keyId: string): Bottleneck | undefined {
    const limit = this.limits[provider];
    if (!limit || (limit.rpm === undefined && limit.maxConcurrent === undefined)) return undefined;
    const clustered = this.redis?.available() === true && this.clusterConnection() !== undefined;
    const limiters = clustered ? this.clusteredLimiters : this.localLimiters;
    const name = `${provider}:${keyId}`;
    let limiter = limiters.get(name);
    if (!limiter) {
      limiter = new Bottleneck({
        // bottleneck names its keys `b_<id>_…` and its scripts take several: the hash tag keeps them in one slot.
        id: `${this.redis?.prefix ?? 'llmgw:'}limit:{${name}}`,
        maxConcurrent: limit.maxConcurrent ?? null,
        ...(limit.rpm === undefined ? {} : { reservoir: limit.rpm, reservoirRefreshAmount: limit.rpm, reservoirRefreshInterval: 60_000 }),
        ...(clustered ? { datastore: 'ioredis', connection: this.connection!, clearDatastore: false, timeout: CLUSTER_STATE_TTL_MS } : {}),
      });
      limiter.on('error', (error: unknown) => this.logger.warn({ provider, error: String(error) }, 'key rate limiter error'));
      limiters.set(name, limiter);
    }
    return limiter;
  }

  /** Whether the key is at a limit right now: its requests or calls in flight, or its tokens this minute. */
  async isFull(provider: string, keyId: string): Promise<boolean> {
    const tpm = this.limits[provider]?.tpm;
    if (tpm !== undefined && this.tokens.used(provider, keyId) >= tpm) return true;
    const limiter = this.limiter(provider, keyId);
    if (!limiter) return false;
    const free = await withTimeout(limiter.check().catch(() => true), CHECK_TIMEOUT_MS, true);
    return !free;
  }

  /** Counts the tokens a call used on a key, for its `tpm` limit. */
  used(provider: string, keyId: string, tokens: number): void {
    if (this.limits[provider]?.tpm !== undefined) this.tokens.add(provider, keyId, tokens);
  }

  /**
   * Runs `operation` as one job of the key's limiter. The job lasts until the operation settles and, when given,
   * until `holdUntil(value)` settles too (a stream holds its key until it ends). If the limiter does not start
   * the job within `startWithinMs`, the operation runs anyway.
   */
  run<T>(provider: string, keyId: string, operation: () => Promise<T>, startWithinMs: number, holdUntil?: (value: T) => Promise<void>): Promise<T> {
    const limiter = this.limiter(provider, keyId);
    if (!limiter) return operation();
    return new Promise<T>((resolve, reject) => {
      let started = false;
      const begin = async (): Promise<void> => {
        started = true;
        try {
          const value = await operation();
          resolve(value);
          if (holdUntil) await holdUntil(value).catch(() => undefined);
        } catch (error) {
          reject(error as Error);
        }
      };
      const giveUp = setTimeout(() => {
        if (started) return;
        this.logger.warn({ provider, key: keyId.slice(0, 8) }, 'key rate limiter did not answer in time; calling without it');
        void begin();
      }, startWithinMs);
      giveUp.unref();
      limiter
        .schedule(() => {
          clearTimeout(giveUp);
          return started ? Promise.resolve() : begin();
        })
        .catch(() => {
          clearTimeout(giveUp);
          if (!started) void begin();
        });
    });
  }

  async close(): Promise<void> {
    const limiters = [...this.clusteredLimiters.values(), ...this.localLimiters.values()];
    await Promise.all(limiters.map((limiter) => Promise.resolve(limiter.disconnect(false)).catch(() => undefined)));
    await Promise.resolve(this.connection?.disconnect(false)).catch(() => undefined);
    this.client?.disconnect();
    this.tokens.close();
  }
}
