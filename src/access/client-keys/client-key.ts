import { randomBytes } from 'node:crypto';
import { compileGlob, isGlob } from '../../core/glob.js';
import type { ClientLimits } from '../limits/limit-store.js';
import { sha256Hex } from '../identity/token-verifier.js';

/** A key the operator handed out, as stored: the secret itself is never kept, only its SHA-256. */
export interface ClientKey {
  /** `ck_` and 16 hex digits; how the admin API and the logs name the key. */
  id: string;
  name: string;
  description: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
  /** The secret's first and last characters (`sk-gw-…Ab3x`), so people can tell their keys apart. */
  hint: string;
  /** Models the key may use: exact names and globs (`gpt-4o*`, `deepseek/*`); empty allows every model. */
  models: string[];
  /** The model for a request that names none. */
  defaultModel: string | null;
  /** Alias (or glob; `*` for any) the client sends → the group or model it means; absent in keys made before it existed. */
  modelMap?: Record<string, string>;
  /** Epoch milliseconds after which the key is refused; null for never. */
  expiresAt: number | null;
  limits: ClientLimits;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export type ClientKeyStatus = 'active' | 'disabled' | 'expired';

const SECRET_PREFIX = 'sk-gw-';

export function newClientKeySecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64url')}`;
}

export function newClientKeyId(): string {
  return `ck_${randomBytes(8).toString('hex')}`;
}

export function secretHint(secret: string): string {
  return `${secret.slice(0, SECRET_PREFIX.length)}…${secret.slice(-4)}`;
}

export function clientKeyHash(secret: string): string {
  return sha256Hex(secret);
}

export function statusOf(key: ClientKey, now: number): ClientKeyStatus {
  if (key.disabled) return 'disabled';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

const allowlists = new WeakMap<ClientKey, (model: string) => boolean>();

/** Whether the key may use `model` (compiled once per stored record). */
export function allowsModel(key: ClientKey, model: string): boolean {
  if (key.models.length === 0) return true;
  let allows = allowlists.get(key);
  if (allows === undefined) {
    const exact = new Set(key.models.filter((name) => !isGlob(name)));
    const globs = key.models.filter(isGlob).map(compileGlob);
    allows = (candidate) => exact.has(candidate) || globs.some((matches) => matches(candidate));
    allowlists.set(key, allows);
  }
  return allows(model);
}
