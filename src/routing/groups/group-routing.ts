import { randomUUID } from 'node:crypto';
import type { Logger } from '../../logging/logger.js';
import { createRedisClient } from '../../storage/redis-client.js';
import { MemoryRoutingStateStore, RedisRoutingStateStore } from './routing-state-store.js';
import { TargetBoard } from './target-board.js';

/** How often an instance shares its routing state with the others (and learns theirs). */
const SYNC_INTERVAL_MS = 250;

export interface GroupBoard {
  board: TargetBoard;
  close(): Promise<void>;
}

/**
 * The model groups' routing state (the target board), in Redis when the gateway has one (shared by every
 * instance), in memory otherwise. One board serves every routing table the config goes through.
 */
export function createGroupBoard(store: { redisUrl: string | undefined; prefix: string }, logger: Logger): GroupBoard {
  const redis = store.redisUrl === undefined ? undefined : createRedisClient(store.redisUrl);
  const stateStore = redis ? new RedisRoutingStateStore(redis, store.prefix) : new MemoryRoutingStateStore();
  let lastWarning = 0;
  const board = new TargetBoard(stateStore, randomUUID(), SYNC_INTERVAL_MS, (error) => {
    // The local view keeps routing while the store is away; one warning a minute says so.
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'routing state could not be shared; routing on this instance’s view');
  });
  return {
    board,
    close: async () => {
      await board.close().catch(() => undefined);
      redis?.disconnect();
    },
  };
}
