import Koa from 'koa';
import type { GatewayContext, GatewayState } from './context.js';

type ComposedMiddleware = (ctx: GatewayContext) => Promise<unknown>;
type HandleRequest = (this: Koa<GatewayState>, ctx: GatewayContext, middleware: ComposedMiddleware) => Promise<unknown>;

/** Koa's own (application.js; its type declarations leave it out), called by the listener `callback()` returns. */
const koaHandleRequest = (Koa.prototype as unknown as { handleRequest?: HandleRequest }).handleRequest!;
if (typeof koaHandleRequest !== 'function') throw new Error('This Koa has no Application.prototype.handleRequest; GatewayApplication needs Koa 3.');

/**
 * Koa, which leaves an answer the gateway wrote itself (`ctx.respond = false`: every inference call's) alone.
 * Koa's `handleRequest` watches every response with on-finished, to report a socket error to `app.onerror`, and
 * then writes `ctx.body`; for an answer written by the call handler, whose end the request frame watches (its
 * `close`), both are work for nothing: listeners on the response and its socket, a few microseconds and 2 KB per
 * call. The middleware runs first; an answer left to Koa (errors, pages, every other route) is then handed to
 * Koa's own `handleRequest` with the status the middleware gave it, and written exactly as before.
 */
export class GatewayApplication extends Koa<GatewayState> {
  /** Replaces Koa's, which `callback()` calls for every request. */
  handleRequest(ctx: GatewayContext, middleware: ComposedMiddleware): Promise<unknown> {
    // What Koa starts from: a response nobody set a status for is a 404.
    ctx.res.statusCode = 404;
    return middleware(ctx).then(
      () => {
        if (ctx.respond === false) return undefined;
        const status = ctx.status;
        // Koa's handleRequest sets 404 again first; the status is put back before it writes.
        return koaHandleRequest.call(this, ctx, () => {
          ctx.status = status;
          return Promise.resolve();
        });
      },
      (error: unknown) => ctx.onerror(error as Error),
    );
  }
}
