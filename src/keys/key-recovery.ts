import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { KeyPool } from './key-pool.js';
import { judgeFailure, type KeyPolicy } from './outcome.js';
import type { PoolStore } from './pool-store.js';

/** Makes a cheap authenticated call with `secret` for the provider; resolves if the key works. */
export type KeyProbe = (providerId: string, secret: string) => Promise<void>;

export interface VerificationResult {
  id: string;
  status: 'valid' | 'rate_limited' | 'invalid' | 'unknown';
  error?: string;
}

const LOCK_NAME = 'key-recovery';
const LOCK_TTL_MS = 10 * 60_000;
const PROBES_AT_ONCE = 4;

/**
 * Brings retired keys back: every `intervalMs` each invalid key is probed and restored when it works again. With
 * Redis only one gateway instance probes at a time (a lock with expiry). Also verifies keys on an operator's
 * request, where a definite bad-key answer retires the key at once.
 */
export class KeyRecovery {
  private timer: NodeJS.Timeout | undefined;
  private nextRunAt: number | undefined;
  private readonly holder = randomUUID();

  constructor(
    /** The pools to check: those of the config in force. */
    private readonly pools: { values(): Iterable<KeyPool> },
    private readonly store: PoolStore,
    private readonly probe: KeyProbe,
    private readonly policy: KeyPolicy,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    const schedule = () => {
      this.nextRunAt = Date.now() + this.intervalMs;
      this.timer = setTimeout(() => {
        void this.runOnce().finally(schedule);
      }, this.intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.nextRunAt = undefined;
  }

  /** When the next periodic check runs; undefined when checks are off. */
  nextCheckAt(): number | undefined {
    return this.nextRunAt;
  }

  /** Probes every invalid key of every pool once; returns how many came back. */
  async runOnce(): Promise<number> {
    if (!(await this.store.tryLock(LOCK_NAME, this.holder, LOCK_TTL_MS).catch(() => false))) return 0;
    let restored = 0;
    try {
      for (const pool of this.pools.values()) {
        const invalid = (await pool.states()).filter((state) => state.invalidSince !== null).map((state) => state.id);
        if (invalid.length === 0) continue;
        const results = await this.probeAll(pool, invalid, false);
        const back = results.filter((result) => result.status === 'valid' || result.status === 'rate_limited');
        restored += back.length;
        this.logger.info({ provider: pool.provider, probed: invalid.length, restored: back.length }, 'checked invalid upstream keys');
      }
    } finally {
      await this.store.releaseLock(LOCK_NAME, this.holder).catch(() => undefined);
    }
    return restored;
  }

  /** Probes the given keys now (an operator asked). */
  verify(pool: KeyPool, ids: readonly string[]): Promise<VerificationResult[]> {
    return this.probeAll(pool, ids, true);
  }

  private async probeAll(pool: KeyPool, ids: readonly string[], retireAtOnce: boolean): Promise<VerificationResult[]> {
    const results: VerificationResult[] = [];
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) results.push(await this.probeOne(pool, id, retireAtOnce));
    };
    await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, ids.length) }, worker));
    return ids.map((id) => results.find((result) => result.id === id)!);
  }

  private async probeOne(pool: KeyPool, id: string, retireAtOnce: boolean): Promise<VerificationResult> {
    const secret = pool.secretOf(id);
    if (secret === undefined) return { id, status: 'unknown', error: 'this gateway instance does not know the key' };
    // The periodic check probes retired keys only: one that answers is recovered (and counted as such).
    const makeUsable = () => (retireAtOnce ? pool.resetKeys([id]) : pool.recover(id));
    try {
      await this.probe(pool.provider, secret);
    } catch (error) {
      const verdict = judgeFailure(error, retireAtOnce ? { ...this.policy, maxFailures: 1 } : this.policy, Date.now());
      const message = error instanceof Error ? error.message : String(error);
      if (verdict.outcome?.kind === 'cooldown') {
        await makeUsable();
        await pool.record(id, verdict.outcome);
        return { id, status: 'rate_limited', error: message };
      }
      if (verdict.outcome?.kind === 'rejected') {
        if (retireAtOnce) await pool.record(id, verdict.outcome);
        return { id, status: 'invalid', error: message };
      }
      return { id, status: 'unknown', error: message };
    }
    await makeUsable();
    return { id, status: 'valid' };
  }
}
