import type { KeyOutcome, KeyState } from './key-state.js';
import type { PoolMember, PoolStore, Selection } from './pool-store.js';
import { ADD_KEYS, MERGE_STATE, RECORD_OUTCOME, REGISTER_IDS, RELEASE_LOCK, REMOVE_KEYS, RESET_KEYS, SELECT_KEY } from './redis-scripts.js';
import { withScripts, type RedisConnection } from '../storage/redis-client.js';

type Reply = string | number | null | Reply[];

interface PoolScripts {
  llmgwSelect(members: string, cursor: string, ...args: (string | number)[]): Promise<Reply[]>;
  llmgwRecord(state: string, ...args: (string | number)[]): Promise<Reply>;
  llmgwRegister(members: string, seq: string, removed: string, ...ids: string[]): Promise<string[]>;
  llmgwAdd(members: string, seq: string, removed: string, secrets: string, ...args: string[]): Promise<Reply>;
  llmgwRemove(members: string, removed: string, secrets: string, ...args: string[]): Promise<Reply>;
  llmgwReset(members: string, ...args: (string | number)[]): Promise<Reply>;
  llmgwMerge(state: string, ...args: (string | number)[]): Promise<Reply>;
  llmgwReleaseLock(lock: string, holder: string): Promise<Reply>;
}

const SCRIPTS: [keyof PoolScripts, number, string][] = [
  ['llmgwSelect', 2, SELECT_KEY],
  ['llmgwRecord', 1, RECORD_OUTCOME],
  ['llmgwRegister', 3, REGISTER_IDS],
  ['llmgwAdd', 4, ADD_KEYS],
  ['llmgwRemove', 3, REMOVE_KEYS],
  ['llmgwReset', 1, RESET_KEYS],
  ['llmgwMerge', 1, MERGE_STATE],
  ['llmgwReleaseLock', 1, RELEASE_LOCK],
];

const timeOrNull = (value: string | undefined): number | null => (value === undefined || value === '0' || value === '' ? null : Number(value));

/** The prefix of a key state's per-model rest fields (`cool:<model>`). */
const MODEL_REST = 'cool:';

const modelRests = (hash: Record<string, string>): Record<string, number> =>
  Object.fromEntries(Object.entries(hash).flatMap(([field, value]) => (field.startsWith(MODEL_REST) ? [[field.slice(MODEL_REST.length), Number(value)]] : [])));

/**
 * Pool state in Redis, shared by every gateway instance. Selection and outcomes are one script call each (one
 * round trip), so bookkeeping costs at most two round trips per upstream call. All keys of a pool share a hash
 * tag (`{pool}`), as Redis Cluster would require of a script's keys.
 */
export class RedisPoolStore implements PoolStore {
  private readonly scripts: PoolScripts;

  constructor(
    readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    this.scripts = withScripts<PoolScripts>(redis, SCRIPTS);
  }

  private keys(pool: string) {
    const base = `${this.prefix}{${pool}}:`;
    return {
      members: `${base}members`,
      seq: `${base}seq`,
      removed: `${base}removed`,
      secrets: `${base}secrets`,
      cursor: `${base}cursor`,
      statePrefix: `${base}key:`,
    };
  }

  async registerPool(pool: string, configuredIds: readonly string[]): Promise<PoolMember[]> {
    const keys = this.keys(pool);
    await this.scripts.llmgwRegister(keys.members, keys.seq, keys.removed, ...configuredIds);
    return this.members(pool);
  }

  async select(pool: string, exclude: readonly string[], now: number, model = ''): Promise<Selection> {
    const keys = this.keys(pool);
    const reply = await this.scripts.llmgwSelect(keys.members, keys.cursor, now, keys.statePrefix, model, ...exclude);
    if (reply[0] === 'ok') return { kind: 'selected', id: String(reply[1]), failures: Number(reply[2]) };
    const soonest = Number(reply[4]);
    return {
      kind: 'unavailable',
      total: Number(reply[1]),
      invalid: Number(reply[2]),
      cooling: Number(reply[3]),
      soonestCoolingEnd: soonest < 0 ? null : soonest,
    };
  }

  async record(pool: string, id: string, outcome: KeyOutcome, now: number, model = ''): Promise<boolean> {
    const state = `${this.keys(pool).statePrefix}${id}`;
    switch (outcome.kind) {
      case 'success':
        await this.scripts.llmgwRecord(state, 'success', now);
        return false;
      case 'cooldown':
        await this.scripts.llmgwRecord(state, 'cooldown', now, outcome.status, outcome.error, 0, outcome.until, model);
        return false;
      case 'rejected':
        return Number(await this.scripts.llmgwRecord(state, 'rejected', now, outcome.status, outcome.error, outcome.maxFailures, 0, '')) === 1;
      case 'transient':
        await this.scripts.llmgwRecord(state, 'transient', now, outcome.status, outcome.error, outcome.maxFailures, outcome.restMs, '');
        return false;
    }
  }

  async members(pool: string): Promise<PoolMember[]> {
    const keys = this.keys(pool);
    const [ids, secrets] = await Promise.all([this.redis.zrange(keys.members, 0, -1), this.redis.hgetall(keys.secrets)]);
    return ids.map((id) => (secrets[id] === undefined ? { id } : { id, secret: secrets[id] }));
  }

  async states(pool: string): Promise<KeyState[]> {
    const keys = this.keys(pool);
    const ids = await this.redis.zrange(keys.members, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(`${keys.statePrefix}${id}`);
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((id, index) => {
      const [error, value] = replies[index] ?? [null, {}];
      if (error) throw error;
      const hash = (value ?? {}) as Record<string, string>;
      return {
        id,
        failures: Number(hash.f ?? 0),
        invalidSince: timeOrNull(hash.inv),
        coolingUntil: timeOrNull(hash.cool),
        coolingModels: modelRests(hash),
        calls: Number(hash.calls ?? 0),
        lastUsedAt: timeOrNull(hash.used),
        lastStatus: hash.st === undefined || hash.st === '' ? null : Number(hash.st),
        lastError: hash.err === undefined || hash.err === '' ? null : hash.err,
        updatedAt: Number(hash.up ?? 0),
      };
    });
  }

  async addKeys(pool: string, members: readonly Required<PoolMember>[]): Promise<void> {
    if (members.length === 0) return;
    const keys = this.keys(pool);
    await this.scripts.llmgwAdd(keys.members, keys.seq, keys.removed, keys.secrets, ...members.flatMap((member) => [member.id, member.secret]));
  }

  async removeKeys(pool: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const keys = this.keys(pool);
    await this.scripts.llmgwRemove(keys.members, keys.removed, keys.secrets, keys.statePrefix, ...ids);
  }

  async resetKeys(pool: string, ids: readonly string[], now: number): Promise<void> {
    if (ids.length === 0) return;
    const keys = this.keys(pool);
    await this.scripts.llmgwReset(keys.members, keys.statePrefix, now, ...ids);
  }

  async tryLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const key = `${this.prefix}lock:${name}`;
    const taken = await this.redis.set(key, holder, 'PX', ttlMs, 'NX');
    if (taken === 'OK') return true;
    return (await this.redis.get(key)) === holder && (await this.redis.pexpire(key, ttlMs)) === 1;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    await this.scripts.llmgwReleaseLock(`${this.prefix}lock:${name}`, holder);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  async removedIds(pool: string): Promise<string[]> {
    return this.redis.smembers(this.keys(pool).removed);
  }

  /** Writes copies of key states, each only where it is newer than what Redis holds (after an outage). */
  async mergeStates(pool: string, states: readonly KeyState[]): Promise<void> {
    const prefix = this.keys(pool).statePrefix;
    await Promise.all(
      states.map((state) =>
        this.scripts.llmgwMerge(
          `${prefix}${state.id}`,
          state.updatedAt,
          state.failures,
          state.invalidSince ?? 0,
          state.coolingUntil ?? 0,
          state.calls,
          state.lastUsedAt ?? 0,
          state.lastStatus ?? '',
          state.lastError ?? '',
          ...Object.entries(state.coolingModels).flat(),
        ),
      ),
    );
  }
}
