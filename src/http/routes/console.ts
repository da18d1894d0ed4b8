import type Router from '@koa/router';
import { pageSecurityHeaders } from '../middleware/security-headers.js';
import { z } from 'zod';
import type { Authenticator } from '../../access/identity/authenticator.js';
import type { UsageReport, UsageTimeline } from '../../access/stats/usage-report.js';
import { BriefCache } from '../../console/brief-cache.js';
import type { ConsoleAsset } from '../../console/console-assets.js';
import type { ConsoleSessions } from '../../console/console-sessions.js';
import { GatewayError } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';
import { adminCaller } from '../middleware/auth.js';
import { clearSessionCookie, requireSameOrigin, sessionIdOf, setSessionCookie } from '../middleware/console-session.js';

export interface ConsoleRouteDependencies {
  authenticator: Authenticator;
  sessions: ConsoleSessions;
  report: UsageReport;
  assets: ReadonlyMap<string, ConsoleAsset>;
  bodyGuard: GatewayMiddleware;
}

const signInSchema = z.looseObject({ token: z.string().min(1, 'token is required') });

/** Each span of the dashboard: its windows and how many. */
const SPANS = { hour: ['minute', 60], day: ['hour', 24], month: ['day', 30] } as const;
const timelineQuery = z.object({ span: z.enum(['hour', 'day', 'month']).default('hour') }).strict();
/** The busiest models, providers and client keys the timeline draws a line for. */
const TIMELINE_LINES = 8;
const TIMELINE_CACHE_MS = 3000;

const sessionView = (csrfToken: string, expiresAt: number) => ({ object: 'console_session', csrf_token: csrfToken, expires_at: new Date(expiresAt).toISOString() });

/** Sends a built file, precompressed when the browser takes it; 304 when it already has this version. */
function sendAsset(ctx: GatewayContext, asset: ConsoleAsset): void {
  ctx.set('Cache-Control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.set('ETag', asset.etag);
  ctx.vary('Accept-Encoding');
  if (!asset.immutable) pageSecurityHeaders(ctx);
  if (ctx.get('if-none-match') === asset.etag) {
    ctx.status = 304;
    return;
  }
  const accepted = ctx.get('accept-encoding');
  ctx.type = asset.type;
  if (asset.br && /\bbr\b/.test(accepted)) {
    ctx.set('Content-Encoding', 'br');
    ctx.body = asset.br;
  } else if (asset.gzip && /\bgzip\b/.test(accepted)) {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = asset.gzip;
  } else {
    ctx.body = asset.body;
  }
}

/**
 * The admin console (`/admin`) and the chat playground (`/chat`), built into dist/ui and served from memory; the
 * console's sign-in session (`/admin/api/session`); and the dashboard's usage timeline.
 */
export function registerConsoleRoutes(router: Router<GatewayState>, adminGuard: GatewayMiddleware[], deps: ConsoleRouteDependencies): void {
  const page = (path: string) => (ctx: GatewayContext) => {
    const asset = deps.assets.get(path);
    if (!asset) throw new GatewayError(404, 'The console was not built: run `npm run build`.', { code: 'console_not_built' });
    sendAsset(ctx, asset);
  };
  router.get(['/admin', '/admin/'], page('/ui/console/index.html'));
  router.get(['/chat', '/chat/'], page('/ui/chat/index.html'));
  router.get('/ui/assets/:file', (ctx) => {
    const asset = deps.assets.get(`/ui/assets/${ctx.params.file}`);
    if (!asset) throw new GatewayError(404, 'No such file.', { code: 'not_found' });
    sendAsset(ctx, asset);
  });

  router.post('/admin/api/session', deps.bodyGuard, async (ctx) => {
    requireSameOrigin(ctx);
    const { token } = validateRequest(signInSchema, ctx.request.body);
    await adminCaller(deps.authenticator, token, () => ctx.ip);
    const session = await deps.sessions.open();
    setSessionCookie(ctx, session);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = sessionView(session.csrfToken, session.expiresAt);
  });

  router.get('/admin/api/session', async (ctx) => {
    requireSameOrigin(ctx);
    const id = sessionIdOf(ctx);
    const session = id === undefined ? undefined : await deps.sessions.find(id);
    if (!session) throw new GatewayError(401, 'Not signed in to the console.', { code: 'not_signed_in' });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = sessionView(session.csrfToken, session.expiresAt);
  });

  router.delete('/admin/api/session', ...adminGuard, async (ctx) => {
    const id = sessionIdOf(ctx);
    if (id !== undefined) await deps.sessions.close(id);
    clearSessionCookie(ctx);
    ctx.body = { object: 'console_session', deleted: true };
  });

  const timelines = new BriefCache<UsageTimeline>(TIMELINE_CACHE_MS);
  router.get('/admin/api/usage/timeline', ...adminGuard, async (ctx) => {
    const { span } = validateRequest(timelineQuery, { ...ctx.query });
    const [period, count] = SPANS[span];
    ctx.body = { object: 'usage_timeline', span, ...(await timelines.get(span, () => deps.report.timeline(period, count, TIMELINE_LINES))) };
  });
}
