/** What the pool knows about one upstream key. Times are epoch milliseconds. */
export interface KeyState {
  id: string;
  /** Consecutive failures (bad-key answers and transient errors); a success resets it. */
  failures: number;
  /** When the key was retired as invalid; null while it is usable. */
  invalidSince: number | null;
  /** Until when the key rests (rate limited, or after repeated transient errors); null when it does not. */
  coolingUntil: number | null;
  /**
   * Model → until when the key rests for that model only (a rate limit of a provider whose limits are per model).
   * Entries whose time has passed may linger until the store next looks at them.
   */
  coolingModels: Record<string, number>;
  calls: number;
  lastUsedAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  /** When this record last changed; newer records win when two copies are merged. */
  updatedAt: number;
}

export const emptyKeyState = (id: string): KeyState => ({
  id,
  failures: 0,
  invalidSince: null,
  coolingUntil: null,
  coolingModels: {},
  calls: 0,
  lastUsedAt: null,
  lastStatus: null,
  lastError: null,
  updatedAt: 0,
});

export type KeyStatus = 'valid' | 'cooling' | 'invalid';

export function keyStatus(state: KeyState, now: number): KeyStatus {
  if (state.invalidSince !== null) return 'invalid';
  if (state.coolingUntil !== null && state.coolingUntil > now) return 'cooling';
  return 'valid';
}

/** Until when the key rests for `model` alone (ended or not); undefined when it has no rest for it. */
export const modelRestEnd = (state: KeyState, model: string): number | undefined =>
  model !== '' && Object.hasOwn(state.coolingModels, model) ? state.coolingModels[model] : undefined;

/** Until when the key rests for `model` (its own rest or the model's, whichever ends later); 0 when it does not. */
export function coolingEnd(state: KeyState, model: string): number {
  return Math.max(state.coolingUntil ?? 0, modelRestEnd(state, model) ?? 0);
}

/**
 * What one call taught us about its key, as the store applies it:
 * - `success`: the failure count goes back to 0;
 * - `rejected`: the upstream said the key is bad; +1, and at `maxFailures` the key is retired as invalid;
 * - `transient`: a 5xx, timeout or broken connection; +1, and at `maxFailures` the key rests for `restMs` (an
 *   outage must not retire a whole pool);
 * - `cooldown`: rate limited or out of quota; the key rests until `until`, and its count is left alone. Recorded
 *   with a model (a provider whose limits are per model), the key rests for that model only.
 */
export type KeyOutcome =
  | { kind: 'success' }
  | { kind: 'rejected'; status: number; error: string; maxFailures: number }
  | { kind: 'transient'; status: number; error: string; maxFailures: number; restMs: number }
  | { kind: 'cooldown'; status: number; error: string; until: number };
