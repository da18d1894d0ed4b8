import { createRedisClient, readyWithin, renameLegacyKeys, subscriberOf, withScripts, type RedisConnection } from '../../storage/redis-client.js';
import { type ConfigHistoryStore, type ConfigRevision, HISTORY_LIMIT, type NewRevision } from './config-history.js';

/**
 * KEYS: latest, revisions (hash), order (list). ARGV: expected, new revision's JSON, limit, channel.
 * Sets the new revision only if the latest is still `expected`; trims the history; tells every instance.
 */
const COMMIT = `
local latest = tonumber(redis.call('GET', KEYS[1]) or '0')
if latest ~= tonumber(ARGV[1]) then return 0 end
local revision = latest + 1
redis.call('SET', KEYS[1], revision)
redis.call('HSET', KEYS[2], revision, ARGV[2])
redis.call('LPUSH', KEYS[3], revision)
local limit = tonumber(ARGV[3])
local old = redis.call('LRANGE', KEYS[3], limit, -1)
for _, gone in ipairs(old) do redis.call('HDEL', KEYS[2], gone) end
redis.call('LTRIM', KEYS[3], 0, limit - 1)
redis.call('PUBLISH', ARGV[4], revision)
return revision
`;

const CONNECT_WAIT_MS = 3_000;

interface Scripts {
  llmgwConfigCommit(latest: string, revisions: string, order: string, expected: number, entry: string, limit: number, channel: string): Promise<number>;
}

/**
 * The routing config's history in Redis, shared by every instance: a commit is a compare-and-set on the latest
 * revision (so two operators cannot overwrite each other), published on a channel that every instance listens
 * to. A subscriber reconnecting may miss a message, so instances also look at the latest revision now and then.
 */
export class RedisConfigHistory implements ConfigHistoryStore {
  readonly shared = true;
  private readonly redis: RedisConnection;
  private subscriber: RedisConnection | undefined;
  private readonly keys: { latest: string; revisions: string; order: string; channel: string };
  /** The first commands wait for the connection (at start); later ones fail fast while Redis is away. */
  private readonly connected: Promise<void>;

  constructor(url: string, prefix: string) {
    this.redis = createRedisClient(url);
    // The commit script's keys share the `{config}` hash tag, so they live in one slot of a cluster.
    this.keys = { latest: `${prefix}{config}:latest`, revisions: `${prefix}{config}:revisions`, order: `${prefix}{config}:order`, channel: `${prefix}config:changed` };
    const { latest, revisions, order } = this.keys;
    this.connected = readyWithin(this.redis, CONNECT_WAIT_MS).then(() =>
      renameLegacyKeys(this.redis, [
        [`${prefix}config:latest`, latest],
        [`${prefix}config:revisions`, revisions],
        [`${prefix}config:order`, order],
      ]),
    );
  }

  private get scripts(): Scripts {
    return withScripts<Scripts>(this.redis, [['llmgwConfigCommit', 3, COMMIT]]);
  }

  async latest(): Promise<ConfigRevision | undefined> {
    await this.connected;
    const revision = await this.redis.get(this.keys.latest);
    return revision === null ? undefined : this.get(Number(revision));
  }

  async list(): Promise<ConfigRevision[]> {
    await this.connected;
    const order = await this.redis.lrange(this.keys.order, 0, HISTORY_LIMIT - 1);
    if (order.length === 0) return [];
    const entries = await this.redis.hmget(this.keys.revisions, ...order);
    return entries.flatMap((entry) => (entry === null ? [] : [JSON.parse(entry) as ConfigRevision]));
  }

  async get(revision: number): Promise<ConfigRevision | undefined> {
    await this.connected;
    const entry = await this.redis.hget(this.keys.revisions, String(revision));
    return entry === null ? undefined : (JSON.parse(entry) as ConfigRevision);
  }

  async commit(expected: number, entry: NewRevision): Promise<ConfigRevision | undefined> {
    await this.connected;
    const stored: ConfigRevision = { revision: expected + 1, ...entry };
    const { latest, revisions, order, channel } = this.keys;
    const revision = await this.scripts.llmgwConfigCommit(latest, revisions, order, expected, JSON.stringify(stored), HISTORY_LIMIT, channel);
    return revision === 0 ? undefined : stored;
  }

  subscribe(listener: (revision: number) => void): void {
    this.subscriber ??= subscriberOf(this.redis);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.channel) listener(Number(message));
    });
    void this.subscriber.subscribe(this.keys.channel).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }
}
