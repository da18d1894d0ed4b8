import type { Authenticator, Identification } from '../../access/identity/authenticator.js';
import { bearerToken } from '../../access/identity/token-verifier.js';
import type { ConsoleSessions } from '../../console/console-sessions.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayContext, GatewayMiddleware } from '../context.js';
import { consoleCaller } from './console-session.js';

/** Hands who the caller is (or the token nobody knows, for a BYOK provider) to the route. */
export function noteIdentity(ctx: GatewayContext, identification: Identification): void {
  if ('caller' in identification) {
    ctx.state.caller = identification.caller;
  } else {
    ctx.state.unknownToken = identification.unknownToken;
  }
}

const bearerOf = (ctx: GatewayContext) => bearerToken(ctx.req.headers.authorization);

/** Anthropic's clients send their key as `x-api-key` (Claude Code with `ANTHROPIC_AUTH_TOKEN`: as a bearer token). */
export const anthropicKeyOf = (ctx: GatewayContext) => (ctx.get('x-api-key') || undefined) ?? bearerOf(ctx);

/**
 * The console operator, when a request without a bearer token carries a console session cookie (see
 * console-session.ts for the CSRF and origin checks); undefined otherwise.
 */
async function sessionCaller(ctx: GatewayContext, sessions: ConsoleSessions | undefined) {
  if (sessions === undefined || ctx.get('authorization') !== '') return undefined;
  return consoleCaller(ctx, sessions);
}

export interface ClientTokenOptions {
  /** The console's sessions: a request without a token may then come with the console's session cookie. */
  sessions?: ConsoleSessions;
  /** Where the route's clients send their token; `Authorization: Bearer` unless their protocol says otherwise. */
  tokenOf?: (ctx: GatewayContext) => string | undefined;
}

/**
 * Identifies the caller from `Authorization: Bearer` (or where `tokenOf` finds it), or from the console's session
 * cookie when `sessions` is given and no token is. With `acceptUnknown` (inference routes, when some provider takes
 * its callers' own keys) a token the gateway does not know is kept for that provider to judge once the model is
 * known; everywhere else it is refused.
 */
export function requireClientToken(authenticator: Authenticator, acceptUnknown = false, { sessions, tokenOf = bearerOf }: ClientTokenOptions = {}): GatewayMiddleware {
  const byBearerToken = (ctx: GatewayContext, next: () => Promise<unknown>, token = tokenOf(ctx)) => {
    const identification = authenticator.identify(token, () => ctx.ip, acceptUnknown);
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
  if (sessions === undefined) return byBearerToken;
  return (ctx, next) => {
    // Only a request without a token (rare on these routes) pays for the cookie.
    const token = tokenOf(ctx);
    if (token !== undefined || ctx.get('cookie') === '') return byBearerToken(ctx, next, token);
    return consoleCaller(ctx, sessions).then((caller) => {
      if (!caller) return byBearerToken(ctx, next);
      ctx.state.caller = caller;
      return next();
    });
  };
}

/**
 * The admin behind `token`, or the error refusing it: wrong tokens are counted and throttled like any other
 * (authenticator.ts); a valid token that is not the admin token gets 403.
 */
export async function adminCaller(authenticator: Authenticator, token: string | undefined, addressOf: () => string) {
  if (!authenticator.hasAdmin) {
    throw new GatewayError(403, 'Operator endpoints are disabled: set AUTH_TOKEN (or ALLOWED_TOKENS) to use them.', { code: 'admin_disabled' });
  }
  const identification = await authenticator.identify(token, addressOf, false);
  if (!('caller' in identification) || identification.caller.kind !== 'admin') {
    throw new GatewayError(403, 'This endpoint needs the admin token (AUTH_TOKEN).', { code: 'admin_token_required' });
  }
  return identification.caller;
}

/**
 * Operator routes: only the admin token (AUTH_TOKEN) passes, or the console's session (with `sessions`). They are
 * never open, not even when the gateway runs without client tokens; any other valid key (ALLOWED_TOKENS, client
 * keys) is refused with 403.
 */
export function requireAdminToken(authenticator: Authenticator, sessions?: ConsoleSessions): GatewayMiddleware {
  return async (ctx, next) => {
    const caller = (authenticator.hasAdmin ? await sessionCaller(ctx, sessions) : undefined) ?? (await adminCaller(authenticator, bearerToken(ctx.get('authorization')), () => ctx.ip));
    ctx.state.caller = caller;
    return next();
  };
}
