import type { Logger } from '../logging/logger.js';
import type { KeyEventObserver } from './key-events.js';
import { keyId } from './key-identity.js';
import { type KeyAvailability, KeyPool } from './key-pool.js';
import type { PoolStore } from './pool-store.js';

/** What a pool is built from: its provider, its configured keys, and how it is called. */
export interface PoolSpec {
  provider: string;
  apiKeys: readonly string[];
  /** Called without a key when it has none (a local server). */
  keyless: boolean;
  /** Keys at their rate limit are passed over (per-key limits apply to this provider). */
  availability: KeyAvailability | undefined;
  /** A key outside the rotation for calls that need billing (ProviderSettings.paidKey). */
  paidKey?: string | undefined;
}

/**
 * Every key pool the gateway has built, by provider: what the dispatcher looks a route's pool up in. A reloaded
 * config gets a new pool only for a provider whose keys or limits changed; the latest pool per provider is kept
 * (a call routed on an older config finds its provider's pool even if the new config dropped it).
 */
export class KeyPools {
  private readonly pools = new Map<string, { pool: KeyPool; signature: string; keys: ReadonlySet<string> }>();

  constructor(
    private readonly store: PoolStore,
    private readonly logger: Logger,
    /** Told of every pool's key events. */
    private readonly events?: KeyEventObserver,
  ) {}

  get(provider: string): KeyPool | undefined {
    return this.pools.get(provider)?.pool;
  }

  /**
   * The pool for `spec`: the one already built when nothing changed, else a new one. Keys the previous config had
   * and this one has not leave the store; keys it adds join it, even if an earlier config had dropped them.
   */
  async poolFor(spec: PoolSpec): Promise<KeyPool> {
    const signature = JSON.stringify([spec.keyless, spec.availability !== undefined, spec.apiKeys, spec.paidKey]);
    const known = this.pools.get(spec.provider);
    if (known?.signature === signature) return known.pool;
    const pool = new KeyPool(spec.provider, this.store, spec.apiKeys, spec.keyless, this.logger, spec.availability, this.events, spec.paidKey);
    const keys = new Set(spec.apiKeys.map(keyId));
    if (known) {
      const dropped = [...known.keys].filter((id) => !keys.has(id));
      if (dropped.length > 0) await this.store.removeKeys(spec.provider, dropped);
    }
    await pool.init();
    if (known) {
      const members = new Set((await pool.members()).map((member) => member.id));
      const returning = spec.apiKeys.filter((secret) => !members.has(keyId(secret)) && !known.keys.has(keyId(secret)));
      if (returning.length > 0) await pool.addKeys(returning);
    }
    this.pools.set(spec.provider, { pool, signature, keys });
    return pool;
  }
}
