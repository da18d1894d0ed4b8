import type { GatewayMiddleware } from '../context.js';

export interface CorsSettings {
  origins: '*' | string[];
  allowCredentials: boolean;
}

const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const EXPOSED_HEADERS = 'X-Request-Id, Retry-After';

const isAdminPath = (path: string): boolean => path === '/admin' || path.startsWith('/admin/');

/**
 * CORS for browser clients (ChatGPT-Next-Web and the like). Any origin by default, without credentials; with an
 * origin list only those are echoed. Never for the admin routes (`/admin/…`). Preflights are answered here, before authentication, as browsers send them
 * without the Authorization header.
 */
export function cors(settings: CorsSettings): GatewayMiddleware {
  const allowList = settings.origins === '*' ? undefined : new Set(settings.origins);
  return (ctx, next) => {
    const origin = ctx.get('origin');
    // The admin surface is for the console, served from the gateway's own origin: no other origin may call it.
    if (origin === '' || isAdminPath(ctx.path)) return next();
    let allowOrigin: string | undefined;
    if (allowList === undefined) allowOrigin = settings.allowCredentials ? origin : '*';
    else if (allowList.has(origin)) allowOrigin = origin;
    if (allowOrigin === undefined) return next();

    ctx.vary('Origin');
    ctx.set('Access-Control-Allow-Origin', allowOrigin);
    if (settings.allowCredentials) ctx.set('Access-Control-Allow-Credentials', 'true');

    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method') !== '') {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      const requestedHeaders = ctx.get('access-control-request-headers');
      ctx.set('Access-Control-Allow-Headers', requestedHeaders || 'Authorization, Content-Type');
      ctx.set('Access-Control-Max-Age', '86400');
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return next();
  };
}
