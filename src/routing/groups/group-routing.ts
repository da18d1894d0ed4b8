import { randomUUID } from 'node:crypto';
import type { RoutingFile } from '../../config/load.js';
import type { Logger } from '../../logging/logger.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import { createRedisClient } from '../../storage/redis-client.js';
import { modelGroupsOf, toFallbacks } from './from-config.js';
import { type DirectRouter, GroupRouter } from './group-router.js';
import { MemoryRoutingStateStore, RedisRoutingStateStore } from './routing-state-store.js';
import { TargetBoard } from './target-board.js';

/** How often an instance shares its routing state with the others (and learns theirs). */
const SYNC_INTERVAL_MS = 250;

export interface GroupRouting {
  router: GroupRouter;
  close(): Promise<void>;
}

/**
 * The model groups of the config file in front of the direct routes, with their routing state in Redis when the
 * gateway has one (shared by every instance), in memory otherwise.
 */
export function createGroupRouting(
  routing: RoutingFile,
  providers: readonly ConfiguredProvider[],
  direct: DirectRouter,
  store: { redisUrl: string | undefined; prefix: string },
  logger: Logger,
): GroupRouting {
  const redis = store.redisUrl === undefined ? undefined : createRedisClient(store.redisUrl);
  const stateStore = redis ? new RedisRoutingStateStore(redis, store.prefix) : new MemoryRoutingStateStore();
  let lastWarning = 0;
  const board = new TargetBoard(stateStore, randomUUID(), SYNC_INTERVAL_MS, (error) => {
    // The local view keeps routing while the store is away; one warning a minute says so.
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'routing state could not be shared; routing on this instance’s view');
  });
  const router = new GroupRouter(modelGroupsOf(routing.config, providers), toFallbacks(routing.config.fallbacks), direct, board);
  return {
    router,
    close: async () => {
      await board.close().catch(() => undefined);
      redis?.disconnect();
    },
  };
}
