import type { ClientKey } from '../client-keys/client-key.js';

/**
 * Who is making a request, as metering and the logs name them. `id` is stable and never a secret: a client key's
 * id, or a short hash of a token.
 */
export type Caller =
  | { kind: 'admin'; id: string; name: string; hint: string }
  /** A token from ALLOWED_TOKENS or the config file's `tokens:`: unlimited; the latter may carry routes. */
  | { kind: 'token'; id: string; name: string; hint: string; routes?: TokenRoutes }
  | { kind: 'client'; id: string; name: string; hint: string; key: ClientKey }
  /** The gateway runs without tokens. */
  | { kind: 'open'; id: string; name: string; hint: string }
  /** A token the gateway does not know, accepted only by a BYOK provider, to which it is the upstream key. */
  | { kind: 'byok'; id: string; name: string; hint: string; token: string };

/** A configured token's own view of the models (the config file's `tokens:`, openai-style-api's token → config). */
export interface TokenRoutes {
  /** Used when a request names no model. */
  defaultModel: string | undefined;
  /** Name (or glob; `*` for any) → the group or model it means. */
  modelMap: Readonly<Record<string, string>>;
  /** Groups (or globs) the token may use, after its model map; undefined: any. */
  allowedGroups: readonly string[] | undefined;
}

export const OPEN_CALLER: Caller = { kind: 'open', id: 'open', name: 'open access', hint: '' };
