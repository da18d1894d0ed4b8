import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logging/logger.js';
import type { KeyEventObserver } from './key-events.js';
import { keyId } from './key-identity.js';
import type { KeyOutcome, KeyState } from './key-state.js';
import type { PoolMember, PoolStore, Selection } from './pool-store.js';

export interface KeyLease {
  /** The key's id (see key-identity.ts); undefined for a keyless upstream. */
  id: string | undefined;
  secret: string | undefined;
  /** The key's failure count when it was picked; a success only needs recording when it is above 0. */
  failures: number;
}

/** A pool key by provider and id (never the secret), for calls that must use that key. */
export interface PinnedKey {
  provider: string;
  keyId: string;
}

export type Acquisition =
  | { kind: 'leased'; lease: KeyLease }
  | Extract<Selection, { kind: 'unavailable' }>
  /** Every usable key is at its rate limit, and stayed there for as long as the caller would wait. */
  | { kind: 'busy' };

export interface KeyAvailability {
  /** Whether a key is at its rate limit right now. */
  isFull(provider: string, keyId: string): Promise<boolean>;
  /** How long to wait for a key to come off its limit when all are at it. */
  maxWaitMs: number;
}

const BUSY_POLL_MS = 100;

/**
 * One provider's keys: the configured ones and those added at run time, with their state in the store. Knows
 * which secret belongs to which id; the store only ever sees ids (and the secrets of keys added at run time).
 */
export class KeyPool {
  private readonly secrets = new Map<string, string>();

  constructor(
    readonly provider: string,
    private readonly store: PoolStore,
    configuredKeys: readonly string[],
    /** A keyless upstream (a local server) is called without a key when the pool is empty. */
    private readonly keyless: boolean,
    private readonly logger: Logger,
    private readonly availability?: KeyAvailability,
    /** Told when a key is retired, rested after a rate limit, or recovered. */
    private readonly events?: KeyEventObserver,
    /** A key kept out of the rotation for calls that need billing (PAID_KEY); its state is not kept. */
    paidKey?: string,
  ) {
    for (const secret of configuredKeys) this.secrets.set(keyId(secret), secret);
    this.paid = paidKey === undefined ? undefined : { id: keyId(paidKey), secret: paidKey, failures: 0 };
  }

  private readonly paid: KeyLease | undefined;

  /** The paid key, for a call that needs billing; undefined when the pool has none (the rotation serves it). */
  paidKey(): KeyLease | undefined {
    return this.paid;
  }

  async init(): Promise<void> {
    const members = await this.store.registerPool(this.provider, [...this.secrets.keys()]);
    this.learn(members);
  }

  private learn(members: readonly PoolMember[]): void {
    for (const member of members) if (member.secret !== undefined) this.secrets.set(member.id, member.secret);
  }

  /**
   * Picks a key, skipping `exclude` (the keys a retried call already used); when nothing else is usable, those may
   * be picked again, so a pool of one key still gets its retries. With rate limits, a key at its limit is passed
   * over for a free one; when all are at their limit, this waits (up to the configured bound) for one to free up.
   * With a `model` (for a provider whose limits are per model; '' for none), a key resting for it is passed over.
   */
  acquire(exclude: readonly string[], model = ''): Acquisition | Promise<Acquisition> {
    const first = this.store.select(this.provider, exclude, Date.now(), model);
    // A store in memory picks at once: a key with a known secret and no rate limits to consult is leased at once.
    if (!(first instanceof Promise) && first.kind === 'selected' && this.availability === undefined) {
      const secret = this.secrets.get(first.id);
      if (secret !== undefined) return { kind: 'leased', lease: { id: first.id, secret, failures: first.failures } };
    }
    return this.acquireFrom(first, exclude, model);
  }

  /** `acquire` going on from its first selection. */
  private async acquireFrom(first: Selection | Promise<Selection>, exclude: readonly string[], model: string): Promise<Acquisition> {
    const unknown: string[] = [];
    let full: string[] = [];
    const waitUntil = Date.now() + (this.availability?.maxWaitMs ?? 0);
    let pending: Selection | Promise<Selection> | undefined = first;
    for (;;) {
      const skipped = unknown.length === 0 && full.length === 0 ? exclude : [...exclude, ...unknown, ...full];
      let selection = await (pending ?? this.store.select(this.provider, skipped, Date.now(), model));
      pending = undefined;
      if (selection.kind === 'unavailable' && exclude.length > 0) {
        selection = await this.store.select(this.provider, [...unknown, ...full], Date.now(), model);
      }
      if (selection.kind === 'unavailable') {
        if (full.length === 0) {
          if (selection.total === 0 && this.keyless) return { kind: 'leased', lease: { id: undefined, secret: undefined, failures: 0 } };
          return selection;
        }
        if (Date.now() >= waitUntil) return { kind: 'busy' };
        await sleep(BUSY_POLL_MS);
        full = [];
        continue;
      }
      const secret = this.secrets.get(selection.id) ?? (await this.lookUpSecret(selection.id));
      if (secret === undefined) {
        // A key another instance knows from its own configuration but this one does not: leave it to that one.
        this.logger.warn({ provider: this.provider, key: selection.id }, 'pool member without a known secret skipped');
        unknown.push(selection.id);
        continue;
      }
      if (this.availability && (await this.availability.isFull(this.provider, selection.id))) {
        full.push(selection.id);
        continue;
      }
      return { kind: 'leased', lease: { id: selection.id, secret, failures: selection.failures } };
    }
  }

  /**
   * The key with this id whatever its state (a resource made with it, such as an uploaded file, is only usable
   * with it); undefined when the pool no longer has it.
   */
  async pinned(id: string): Promise<KeyLease | undefined> {
    const secret = this.secrets.get(id) ?? (await this.lookUpSecret(id));
    return secret === undefined ? undefined : { id, secret, failures: 0 };
  }

  private async lookUpSecret(id: string): Promise<string | undefined> {
    this.learn(await this.store.members(this.provider));
    return this.secrets.get(id);
  }

  /** Records what a call taught about a key; with a `model` (see `acquire`), a rate limit rests it for that model only. */
  async record(id: string, outcome: KeyOutcome, model = ''): Promise<void> {
    // The paid key is one key kept apart: nothing to rotate away from, so it is never benched or retired.
    if (id === this.paid?.id) return;
    const retired = await this.store.record(this.provider, id, outcome, Date.now(), model);
    if (outcome.kind === 'cooldown') this.events?.keyEvent(this.provider, 'rate_limited');
    else if (retired) this.events?.keyEvent(this.provider, 'invalidated');
  }

  secretOf(id: string): string | undefined {
    return this.secrets.get(id);
  }

  async members(): Promise<PoolMember[]> {
    const members = await this.store.members(this.provider);
    this.learn(members);
    return members;
  }

  states(): Promise<KeyState[]> {
    return this.store.states(this.provider);
  }

  /** Adds keys at run time; returns the ids of the ones that were new. */
  async addKeys(secrets: readonly string[]): Promise<string[]> {
    const known = new Set((await this.store.members(this.provider)).map((member) => member.id));
    const added = [...new Set(secrets)].map((secret) => ({ id: keyId(secret), secret })).filter((member) => !known.has(member.id));
    await this.store.addKeys(this.provider, added);
    for (const member of added) this.secrets.set(member.id, member.secret);
    return added.map((member) => member.id);
  }

  removeKeys(ids: readonly string[]): Promise<void> {
    return this.store.removeKeys(this.provider, ids);
  }

  resetKeys(ids: readonly string[]): Promise<void> {
    return this.store.resetKeys(this.provider, ids, Date.now());
  }

  /** Makes a retired key usable again once the recovery check found it working. */
  async recover(id: string): Promise<void> {
    await this.resetKeys([id]);
    this.events?.keyEvent(this.provider, 'recovered');
  }
}
