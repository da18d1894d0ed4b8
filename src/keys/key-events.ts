/**
 * What happens to an upstream key that operators watch: retired as invalid, brought back by the recovery check,
 * rested after a rate limit (or an exhausted quota).
 */
export type KeyEvent = 'invalidated' | 'recovered' | 'rate_limited';

/** Told of each key event as it happens (the metrics count them); keys/ knows nothing of who listens. */
export interface KeyEventObserver {
  keyEvent(provider: string, event: KeyEvent): void;
}
