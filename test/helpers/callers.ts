import type { ClientKey } from '../../src/access/client-keys/client-key.js';
import type { Caller } from '../../src/access/identity/caller.js';
import type { ClientLimits } from '../../src/access/limits/limit-store.js';

let serial = 0;

/** A client key's caller with `limits`, its id unique to this process. */
export function clientCaller(limits: ClientLimits = {}, name = 'alice'): Extract<Caller, { kind: 'client' }> {
  const id = `ck_${(++serial).toString(16).padStart(16, '0')}`;
  const key: ClientKey = {
    id,
    name,
    description: '',
    hash: '0'.repeat(64),
    hint: 'sk-gw-…test',
    models: [],
    defaultModel: null,
    expiresAt: null,
    limits,
    disabled: false,
    createdAt: 0,
    updatedAt: 0,
  };
  return { kind: 'client', id, name, hint: key.hint, key };
}

export const TOKEN_CALLER: Caller = { kind: 'token', id: 'env:abcd1234', name: 'ALLOWED_TOKENS #1', hint: 'abcd' };
