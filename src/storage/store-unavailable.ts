import { GatewayError } from '../core/errors.js';

/**
 * What ioredis throws when Redis cannot answer: the connection is down (refused, closed, not yet writable with the
 * offline queue off, retries exhausted), a command timed out (a slowed Redis), or Redis refuses writes because its
 * memory is full. Anything else (a wrong type, a script bug) is a real error and stays a 500.
 */
const UNAVAILABLE_MESSAGES = [
  /Connection is closed/i,
  /Stream isn't writeable/i,
  /Command timed out/i,
  /max retries per request/i,
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH/,
  /^OOM command not allowed/,
  /^LOADING /,
];

/** True when `thrown` means the state store is unreachable or refusing writes, not that the request was wrong. */
export function isStoreUnavailable(thrown: unknown): boolean {
  if (!(thrown instanceof Error)) return false;
  if (thrown.name === 'MaxRetriesPerRequestError') return true;
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(thrown.message));
}

export const storeUnavailable = (): GatewayError =>
  new GatewayError(
    503,
    'The state store (Redis) is unavailable or full, so this cannot be read or changed right now; calls to models go on. Try again once Redis answers.',
    { type: 'server_error', code: 'store_unavailable', headers: { 'retry-after': '5' } },
  );
