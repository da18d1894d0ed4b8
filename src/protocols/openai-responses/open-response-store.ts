import type { GatewayConfig } from '../../config/load.js';
import type { Logger } from '../../logging/logger.js';
import { createRedisClient } from '../../storage/redis-client.js';
import { RedisResponseStore } from './redis-response-store.js';
import { MemoryResponseStore, type ResponseStore } from './response-store.js';

/** The store of responses: Redis when REDIS_URL is set (its own connection), memory otherwise. */
export function openResponseStore(config: GatewayConfig, logger: Logger): ResponseStore {
  const { redisUrl, redisKeyPrefix } = config.keyPools;
  if (redisUrl === undefined) return new MemoryResponseStore(config.responses.ttlMs);
  return new RedisResponseStore(createRedisClient(redisUrl), redisKeyPrefix, config.responses.ttlMs, logger);
}
