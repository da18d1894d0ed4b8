import type { Authenticator, Identification } from '../../access/identity/authenticator.js';
import { bearerToken } from '../../access/identity/token-verifier.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayContext, GatewayMiddleware } from '../context.js';

/** Hands who the caller is (or the token nobody knows, for a BYOK provider) to the route. */
export function noteIdentity(ctx: GatewayContext, identification: Identification): void {
  if ('caller' in identification) {
    ctx.state.caller = identification.caller;
  } else {
    ctx.state.unknownToken = identification.unknownToken;
  }
}

/**
 * Identifies the caller from `Authorization: Bearer`. With `acceptUnknown` (inference routes, when some provider
 * takes its callers' own keys) a token the gateway does not know is kept for that provider to judge once the
 * model is known; everywhere else it is refused.
 */
export function requireClientToken(authenticator: Authenticator, acceptUnknown = false): GatewayMiddleware {
  return (ctx, next) => {
    const identification = authenticator.identify(bearerToken(ctx.get('authorization')), () => ctx.ip, acceptUnknown);
    // A configured token is known at once; only a client key's lookup is awaited.
    if (identification instanceof Promise) {
      return identification.then((identified) => {
        noteIdentity(ctx, identified);
        return next();
      });
    }
    noteIdentity(ctx, identification);
    return next();
  };
}

/**
 * Operator routes: only the admin token (AUTH_TOKEN) passes. They are never open, not even when the gateway runs
 * without client tokens; any other valid key (ALLOWED_TOKENS, client keys) is refused with 403.
 */
export function requireAdminToken(authenticator: Authenticator): GatewayMiddleware {
  return async (ctx, next) => {
    if (!authenticator.hasAdmin) {
      throw new GatewayError(403, 'Operator endpoints are disabled: set AUTH_TOKEN (or ALLOWED_TOKENS) to use them.', { code: 'admin_disabled' });
    }
    const identification = await authenticator.identify(bearerToken(ctx.get('authorization')), () => ctx.ip, false);
    if (!('caller' in identification) || identification.caller.kind !== 'admin') {
      throw new GatewayError(403, 'This endpoint needs the admin token (AUTH_TOKEN).', { code: 'admin_token_required' });
    }
    ctx.state.caller = identification.caller;
    return next();
  };
}
