import type { Caller } from '../../access/identity/caller.js';
import { type ConsoleSessions, csrfTokenMatches, type OpenedSession } from '../../console/console-sessions.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayContext } from '../context.js';

/** Over HTTPS the cookie gets the `__Host-` prefix, which browsers accept only with Secure, Path=/ and no Domain. */
const COOKIE = 'gw_console';
const SECURE_COOKIE = `__Host-${COOKIE}`;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The operator signed in to the console: an admin, as the admin token is. */
export const CONSOLE_CALLER: Caller = { kind: 'admin', id: 'admin', name: 'admin (console)', hint: 'console' };

/** The session id in the request's cookie, if it carries one. */
export function sessionIdOf(ctx: GatewayContext): string | undefined {
  const header = ctx.get('cookie');
  if (header === '') return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if ((name === COOKIE || name === SECURE_COOKIE) && value.length > 0) return value.join('=');
  }
  return undefined;
}

export function setSessionCookie(ctx: GatewayContext, session: OpenedSession): void {
  // Rounded, not floored: the milliseconds since the session opened must not make a 2-hour cookie 7,199 seconds.
  const maxAge = Math.max(0, Math.round((session.expiresAt - Date.now()) / 1000));
  ctx.append('Set-Cookie', `${ctx.secure ? SECURE_COOKIE : COOKIE}=${session.id}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${ctx.secure ? '; Secure' : ''}`);
}

export function clearSessionCookie(ctx: GatewayContext): void {
  ctx.append('Set-Cookie', `${ctx.secure ? SECURE_COOKIE : COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${ctx.secure ? '; Secure' : ''}`);
}

const crossSite = () => new GatewayError(403, 'Cross-site requests cannot use the console session.', { code: 'cross_site_request' });

/**
 * Refuses a request another site made: a browser says so in Sec-Fetch-Site, and names the page's origin in Origin.
 * A state-changing request must show it comes from the gateway's own pages by one of the two.
 */
export function requireSameOrigin(ctx: GatewayContext): void {
  const site = ctx.get('sec-fetch-site');
  if (site !== '' && site !== 'same-origin' && site !== 'none') throw crossSite();
  const origin = ctx.get('origin');
  // The gateway's own origin as the browser sees it (behind a trusted proxy, from X-Forwarded-Proto and -Host);
  // not ctx.origin, which Koa 3 takes from the Origin header itself.
  if (origin !== '' && origin !== `${ctx.protocol}://${ctx.host}`) throw crossSite();
  if (!SAFE_METHODS.has(ctx.method) && origin === '' && site !== 'same-origin') throw crossSite();
}

/**
 * The console operator behind the request's session cookie, or undefined when it carries none. A session that
 * ended is refused (401); a state-changing request also needs the session's CSRF token in X-CSRF-Token and to
 * come from the gateway's own origin (403).
 */
export async function consoleCaller(ctx: GatewayContext, sessions: ConsoleSessions): Promise<Caller | undefined> {
  const id = sessionIdOf(ctx);
  if (id === undefined) return undefined;
  requireSameOrigin(ctx);
  const session = await sessions.find(id);
  if (!session) throw new GatewayError(401, 'Your console session has ended; sign in again.', { code: 'session_expired' });
  if (!SAFE_METHODS.has(ctx.method) && !csrfTokenMatches(session, ctx.get('x-csrf-token'))) {
    throw new GatewayError(403, 'This request needs the console session\'s CSRF token in X-CSRF-Token.', { code: 'csrf_token_invalid' });
  }
  return CONSOLE_CALLER;
}
