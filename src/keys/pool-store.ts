import type { KeyOutcome, KeyState } from './key-state.js';

/** A key as a pool member: its id, and the secret when the store keeps it (keys added at run time). */
export interface PoolMember {
  id: string;
  /** Present for keys added through the admin API; configured keys come from the environment. */
  secret?: string;
}

export type Selection =
  | { kind: 'selected'; id: string; failures: number }
  | {
      kind: 'unavailable';
      /** Keys in the pool (excluded ones included). */
      total: number;
      invalid: number;
      cooling: number;
      /** When the first cooling key becomes usable again; null when none is cooling. */
      soonestCoolingEnd: number | null;
    };

/**
 * Where pool state lives: in this process, or in Redis so that every gateway instance shares it. Both must behave
 * the same; one contract test suite runs against each. Keys are named by id (see key-identity.ts) everywhere.
 */
export interface PoolStore {
  /**
   * Registers a pool's configured key ids (kept in the order given, after earlier members) and returns the
   * pool's members: configured plus added at run time, minus removed at run time.
   */
  registerPool(pool: string, configuredIds: readonly string[]): Promise<PoolMember[]>;
  /**
   * Picks the next usable key after the last one picked (round robin over keys that are neither invalid nor
   * cooling), skipping `exclude`; counts the call on the chosen key. With a `model` (not ''), a key resting for
   * that model is cooling too (and a rest for it that has ended is forgotten). A store that holds its state in
   * memory answers at once rather than a turn later.
   */
  select(pool: string, exclude: readonly string[], now: number, model?: string): Selection | Promise<Selection>;
  /**
   * Applies an outcome to a key. With a `model` (not ''), a `cooldown` rests the key for that model only; every
   * other outcome concerns the key whatever the model. Resolves true when the outcome retired a key that was not
   * retired before.
   */
  record(pool: string, id: string, outcome: KeyOutcome, now: number, model?: string): Promise<boolean>;
  members(pool: string): Promise<PoolMember[]>;
  states(pool: string): Promise<KeyState[]>;
  /** Adds keys at run time; they persist as long as the store does, and a removed key can be added back. */
  addKeys(pool: string, members: readonly Required<PoolMember>[]): Promise<void>;
  removeKeys(pool: string, ids: readonly string[]): Promise<void>;
  /** Clears failures, invalid marks and cooldowns (per model too): the keys are usable again. */
  resetKeys(pool: string, ids: readonly string[], now: number): Promise<void>;
  /** Takes a named lock for `ttlMs` unless another holder has it; returns whether this caller got it. */
  tryLock(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLock(name: string, holder: string): Promise<void>;
  close(): Promise<void>;
}
