import type { GatewayContext } from '../context.js';

/**
 * The console's and playground's pages load only their own built files (no inline script or style, no other
 * origin), may not be framed, and send no referrer.
 */
export const PAGE_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every answer carries, JSON, streams and errors alike (names and values in turn): no content sniffing, no referrer. */
export const SECURITY_HEADERS: readonly string[] = ['X-Content-Type-Options', 'nosniff', 'Referrer-Policy', 'no-referrer'];

/** For an HTML page of the gateway's own: no framing, and the strict content security policy. */
export function pageSecurityHeaders(ctx: GatewayContext): void {
  ctx.set('Content-Security-Policy', PAGE_SECURITY_POLICY);
  ctx.set('X-Frame-Options', 'DENY');
}
