import type { ClientKey } from '../client-keys/client-key.js';

/**
 * Who is making a request, as metering and the logs name them. `id` is stable and never a secret: a client key's
 * id, or a short hash of a token.
 */
export type Caller =
  | { kind: 'admin'; id: string; name: string; hint: string }
  /** A token from ALLOWED_TOKENS: unlimited. */
  | { kind: 'token'; id: string; name: string; hint: string }
  | { kind: 'client'; id: string; name: string; hint: string; key: ClientKey }
  /** The gateway runs without tokens. */
  | { kind: 'open'; id: string; name: string; hint: string }
  /** A token the gateway does not know, accepted only by a BYOK provider, to which it is the upstream key. */
  | { kind: 'byok'; id: string; name: string; hint: string; token: string };

export const OPEN_CALLER: Caller = { kind: 'open', id: 'open', name: 'open access', hint: '' };
