import type { GatewayContext } from '../context.js';

export interface CorsSettings {
  origins: '*' | string[];
  allowCredentials: boolean;
}

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const EXPOSED_HEADERS = 'X-Request-Id, Retry-After';

const isAdminPath = (path: string): boolean => path === '/admin' || path.startsWith('/admin/');

/**
 * CORS for browser clients (ChatGPT-Next-Web and the like). Any origin by default, without credentials; with an
 * origin list only those are echoed. Never for the admin routes (`/admin/…`). The request frame applies it before
 * routing, so preflights (sent without the Authorization header) are answered before authentication. The function
 * returned sets an answer's CORS headers, and says true when it answered a preflight.
 */
export function corsHeaders(settings: CorsSettings): (ctx: GatewayContext) => boolean {
  const allowList = settings.origins === '*' ? undefined : new Set(settings.origins);
  return (ctx) => {
    const origin = ctx.req.headers.origin;
    // The admin surface is for the console, served from the gateway's own origin: no other origin may call it.
    if (origin === undefined || origin === '' || isAdminPath(ctx.path)) return false;
    let allowOrigin: string | undefined;
    if (allowList === undefined) allowOrigin = settings.allowCredentials ? origin : '*';
    else if (allowList.has(origin)) allowOrigin = origin;
    if (allowOrigin === undefined) return false;

    ctx.vary('Origin');
    ctx.set('Access-Control-Allow-Origin', allowOrigin);
    if (settings.allowCredentials) ctx.set('Access-Control-Allow-Credentials', 'true');

    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '') {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      const requestedHeaders = ctx.get('access-control-request-headers');
      ctx.set('Access-Control-Allow-Headers', requestedHeaders || 'Authorization, Content-Type');
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return true;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return false;
  };
}
