import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

/**
 * A connection to what REDIS_URL names: one server, a Redis Cluster or a Sentinel set's master. The stores use only
 * what both classes offer, and keep every multi-key step's keys in one hash slot (`{tag}` in their names).
 */
export type RedisConnection = Redis | Cluster;

/** How the stores' connections behave while Redis is away. */
export interface ConnectionBehaviour {
  /**
   * Commands wait for the connection instead of failing at once. The stores fail fast (an outage turns into their
   * fallbacks rather than into hung requests); a connection another library drives (bottleneck) queues.
   */
  queueWhileOffline?: boolean;
}

const retryStrategy = (attempt: number) => Math.min(attempt * 200, 2000);

function failFastOptions(queueWhileOffline: boolean): RedisOptions {
  return queueWhileOffline
    ? { maxRetriesPerRequest: 1, retryStrategy }
    : { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, connectTimeout: 2000, retryStrategy };
}

/** Opens a connection to the target with ioredis's own cluster and sentinel support. */
export function openRedis(target: RedisTarget, options: RedisOptions): RedisConnection {
  switch (target.kind) {
    case 'single':
      return new Redis(target.url, options);
    case 'sentinel': {
      const { credentials, tls, sentinels, masterName, db } = target;
      return new Redis({ ...options, ...credentials, sentinels, name: masterName, db, ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}) });
    }
    case 'cluster': {
      const { lazyConnect, enableOfflineQueue, retryStrategy: nodeRetry, ...nodeOptions } = options;
      const clusterOptions: ClusterOptions = {
        ...(lazyConnect === undefined ? {} : { lazyConnect }),
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        ...(nodeRetry ? { clusterRetryStrategy: (attempt: number) => nodeRetry(attempt) ?? null } : {}),
        redisOptions: { ...nodeOptions, ...target.credentials, ...(target.tls ? { tls: {} } : {}) },
      };
      return new Cluster(target.nodes, clusterOptions);
    }
  }
}

/**
 * A connection for the stores. By default it fails fast instead of queueing commands while Redis is down, so an
 * outage turns into each store's fallback at once rather than into hung requests; it reconnects on its own.
 */
export function createRedisClient(url: string, { queueWhileOffline = false }: ConnectionBehaviour = {}): RedisConnection {
  const redis = openRedis(parseRedisUrl(url), failFastOptions(queueWhileOffline));
  // Connection errors are reported by the stores when a command fails; ioredis would print each one.
  redis.on('error', () => undefined);
  if (!queueWhileOffline) redis.connect().catch(() => undefined);
  return redis;
}

/** A second connection to the same place, for subscribing (a connection that subscribes can do nothing else). */
export function subscriberOf(redis: RedisConnection): RedisConnection {
  const subscriber = redis instanceof Cluster ? redis.duplicate([], { enableOfflineQueue: true }) : redis.duplicate({ enableOfflineQueue: true });
  subscriber.on('error', () => undefined);
  return subscriber;
}

/** Resolves once the connection is ready, or after `timeoutMs` (the stores then start on their fallbacks). */
export async function readyWithin(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    redis.once('ready', done);
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
  });
}

/**
 * Registers Lua scripts as commands on the connection (once per connection, which several stores may share) and
 * returns it typed with them: each is then one EVALSHA per call. On a cluster a script's KEYS must share a slot.
 */
export function withScripts<Scripts>(redis: RedisConnection, scripts: readonly (readonly [name: keyof Scripts & string, numberOfKeys: number, lua: string])[]): Scripts {
  for (const [name, numberOfKeys, lua] of scripts) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  }
  return redis as unknown as Scripts;
}

/**
 * Moves a key renamed for a hash tag from its old name, once, on a single server (a cluster started with the
 * new names). Nothing is overwritten: an existing key under the new name wins.
 */
export async function renameLegacyKeys(redis: RedisConnection, renames: readonly (readonly [from: string, to: string])[]): Promise<void> {
  if (redis instanceof Cluster) return;
  for (const [from, to] of renames) await redis.renamenx(from, to).catch(() => undefined);
}
