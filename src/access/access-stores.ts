import type { GatewayConfig } from '../config/load.js';
import type { LogStore } from '../logging/log-store.js';
import { MemoryLogStore } from '../logging/memory-log-store.js';
import { RedisLogStore } from '../logging/redis-log-store.js';
import { createRedisClient, readyWithin } from '../storage/redis-client.js';
import { type ClientKeyStore, MemoryClientKeyStore, RedisClientKeyStore } from './client-keys/client-key-store.js';
import type { LimitStore } from './limits/limit-store.js';
import { MemoryLimitStore } from './limits/memory-limit-store.js';
import { RedisLimitStore } from './limits/redis-limit-store.js';
import { MemoryStatsStore, RedisStatsStore, type StatsStore } from './stats/stats-store.js';
import { MemorySessionStore, RedisSessionStore, type SessionStore } from '../console/session-store.js';

const CONNECT_WAIT_MS = 3000;

export interface AccessStores {
  clientKeys: ClientKeyStore;
  limits: LimitStore;
  stats: StatsStore;
  logs: LogStore;
  /** The admin console's sign-in sessions. */
  sessions: SessionStore;
  close(): void;
}

/**
 * Client keys, their counters, statistics, logs and console sessions: in Redis when REDIS_URL is set, so every
 * instance shares them (one connection for all), in memory otherwise.
 */
export async function openAccessStores(config: GatewayConfig): Promise<AccessStores> {
  const logOptions = { retentionMs: config.usage.logRetentionMs, errorRetentionMs: config.usage.errorLogRetentionMs, maxRecords: config.usage.logMaxRecords };
  const { redisUrl, redisKeyPrefix: prefix } = config.keyPools;
  if (redisUrl === undefined) {
    return {
      clientKeys: new MemoryClientKeyStore(),
      limits: new MemoryLimitStore(),
      stats: new MemoryStatsStore(),
      logs: new MemoryLogStore(logOptions),
      sessions: new MemorySessionStore(),
      close: () => undefined,
    };
  }
  const redis = createRedisClient(redisUrl);
  await readyWithin(redis, CONNECT_WAIT_MS);
  const clientKeys = new RedisClientKeyStore(redis, prefix);
  await clientKeys.adoptLegacyKeys();
  return {
    clientKeys,
    limits: new RedisLimitStore(redis, prefix),
    stats: new RedisStatsStore(redis, prefix),
    logs: new RedisLogStore(redis, prefix, logOptions),
    sessions: new RedisSessionStore(redis, prefix),
    close: () => redis.disconnect(),
  };
}
