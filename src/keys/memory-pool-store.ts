import { coolingEnd, emptyKeyState, type KeyOutcome, type KeyState, modelRestEnd } from './key-state.js';
import type { PoolMember, PoolStore, Selection } from './pool-store.js';

interface MemoryPool {
  /** Member ids in rotation order. */
  order: string[];
  secrets: Map<string, string>;
  removed: Set<string>;
  states: Map<string, KeyState>;
  /** Position in `order` of the key picked last. */
  cursor: number;
}

/** A copy of a key's state that shares nothing with it. */
const copyState = (state: KeyState): KeyState => ({ ...state, coolingModels: { ...state.coolingModels } });

/** Forgets the key's per-model rests that have ended, so that they do not pile up. */
function forgetEndedRests(state: KeyState, now: number): void {
  for (const [model, until] of Object.entries(state.coolingModels)) if (until <= now) delete state.coolingModels[model];
}

/**
 * Applies an outcome to a key's state (a `cooldown` with a model rests the key for that model only); the Redis
 * store's scripts implement the same rules. Returns whether it retired a key that was not retired before.
 */
export function applyOutcome(state: KeyState, outcome: KeyOutcome, now: number, model = ''): boolean {
  state.updatedAt = now;
  if (outcome.kind === 'success') {
    state.failures = 0;
    state.lastStatus = 200;
    return false;
  }
  state.lastStatus = outcome.status;
  state.lastError = outcome.error;
  if (outcome.kind === 'cooldown') {
    if (model === '') {
      state.coolingUntil = outcome.until;
    } else {
      forgetEndedRests(state, now);
      state.coolingModels[model] = outcome.until;
    }
    return false;
  }
  state.failures += 1;
  if (state.failures < outcome.maxFailures) return false;
  if (outcome.kind === 'transient') {
    state.coolingUntil = now + outcome.restMs;
    return false;
  }
  const retired = state.invalidSince === null;
  state.invalidSince = now;
  return retired;
}

/** Pool state in this process: the default, and the fallback while Redis is unreachable. */
export class MemoryPoolStore implements PoolStore {
  private readonly pools = new Map<string, MemoryPool>();
  private readonly locks = new Map<string, { holder: string; until: number }>();

  private pool(name: string): MemoryPool {
    let pool = this.pools.get(name);
    if (!pool) {
      pool = { order: [], secrets: new Map(), removed: new Set(), states: new Map(), cursor: -1 };
      this.pools.set(name, pool);
    }
    return pool;
  }

  private state(pool: MemoryPool, id: string): KeyState {
    let state = pool.states.get(id);
    if (!state) {
      state = emptyKeyState(id);
      pool.states.set(id, state);
    }
    return state;
  }

  async registerPool(name: string, configuredIds: readonly string[]): Promise<PoolMember[]> {
    const pool = this.pool(name);
    for (const id of configuredIds) {
      if (!pool.removed.has(id) && !pool.order.includes(id)) pool.order.push(id);
    }
    return this.members(name);
  }

  select(name: string, exclude: readonly string[], now: number, model = ''): Selection {
    const pool = this.pool(name);
    const count = pool.order.length;
    let invalid = 0;
    let cooling = 0;
    let soonestCoolingEnd: number | null = null;
    for (let step = 1; step <= count; step++) {
      const position = (pool.cursor + step) % count;
      const id = pool.order[position]!;
      const state = this.state(pool, id);
      const modelRest = modelRestEnd(state, model);
      if (modelRest !== undefined && modelRest <= now) delete state.coolingModels[model];
      const coolingUntil = coolingEnd(state, model);
      if (state.invalidSince !== null) {
        invalid += 1;
      } else if (coolingUntil > now) {
        cooling += 1;
        if (soonestCoolingEnd === null || coolingUntil < soonestCoolingEnd) soonestCoolingEnd = coolingUntil;
      } else if (!exclude.includes(id)) {
        pool.cursor = position;
        state.calls += 1;
        state.lastUsedAt = now;
        return { kind: 'selected', id, failures: state.failures };
      }
    }
    return { kind: 'unavailable', total: count, invalid, cooling, soonestCoolingEnd };
  }

  async record(name: string, id: string, outcome: KeyOutcome, now: number, model = ''): Promise<boolean> {
    return applyOutcome(this.state(this.pool(name), id), outcome, now, model);
  }

  async members(name: string): Promise<PoolMember[]> {
    const pool = this.pool(name);
    return pool.order.map((id) => {
      const secret = pool.secrets.get(id);
      return secret === undefined ? { id } : { id, secret };
    });
  }

  async states(name: string): Promise<KeyState[]> {
    const pool = this.pool(name);
    return pool.order.map((id) => copyState(this.state(pool, id)));
  }

  async addKeys(name: string, members: readonly Required<PoolMember>[]): Promise<void> {
    const pool = this.pool(name);
    for (const { id, secret } of members) {
      pool.removed.delete(id);
      pool.secrets.set(id, secret);
      if (!pool.order.includes(id)) pool.order.push(id);
    }
  }

  async removeKeys(name: string, ids: readonly string[]): Promise<void> {
    const pool = this.pool(name);
    for (const id of ids) {
      pool.removed.add(id);
      pool.secrets.delete(id);
      pool.states.delete(id);
    }
    pool.order = pool.order.filter((id) => !pool.removed.has(id));
  }

  async resetKeys(name: string, ids: readonly string[], now: number): Promise<void> {
    const pool = this.pool(name);
    for (const id of ids) {
      if (!pool.order.includes(id)) continue;
      const state = this.state(pool, id);
      state.failures = 0;
      state.invalidSince = null;
      state.coolingUntil = null;
      state.coolingModels = {};
      state.updatedAt = now;
    }
  }

  async tryLock(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const lock = this.locks.get(name);
    if (lock && lock.until > now && lock.holder !== holder) return false;
    this.locks.set(name, { holder, until: now + ttlMs });
    return true;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    if (this.locks.get(name)?.holder === holder) this.locks.delete(name);
  }

  async close(): Promise<void> {}

  /** Replaces a pool's contents with a copy taken from another store (the resilient store's mirror). */
  load(name: string, members: readonly PoolMember[], states: readonly KeyState[], removed: readonly string[]): void {
    const pool = this.pool(name);
    pool.order = members.map((member) => member.id);
    pool.secrets = new Map(members.flatMap((member) => (member.secret === undefined ? [] : [[member.id, member.secret] as const])));
    pool.removed = new Set(removed);
    pool.states = new Map(states.map((state) => [state.id, copyState(state)]));
    if (pool.cursor >= pool.order.length) pool.cursor = -1;
  }

  /** Ids removed at run time, so a resynchronised store keeps them out. */
  removedIds(name: string): string[] {
    return [...this.pool(name).removed];
  }
}
