import type { GatewayContext, GatewayMiddleware } from './context.js';

type Next = () => Promise<unknown>;
type Handler = (ctx: GatewayContext, next: Next) => unknown;

/** Middleware run one after the other, composed once when the route is added (not per request). */
function chain(middleware: readonly GatewayMiddleware[]): Handler {
  return middleware.reduceRight<Handler>(
    (downstream, layer) => (ctx, next) => layer(ctx, () => Promise.resolve(downstream(ctx, next))),
    (_ctx, next) => next(),
  );
}

/** Where POST routes are added: ExactRoutes, or a @koa/router Router. */
export interface PostRoutes {
  post(path: string, ...middleware: GatewayMiddleware[]): unknown;
}

/** A route as @koa/router lists its layers (`stack`), for what reads the routes an application serves. */
interface ListedRoute {
  path: string;
  methods: string[];
}

/**
 * Routes of fixed paths, found by one map lookup: the inference routes that nearly every request takes. @koa/router
 * matches every route's pattern against each request and composes the matched layers anew for it, which costs more
 * than the rest of the framework's work on a call. Its interface is the part of @koa/router's the inference routes
 * use (`post`), and its middleware carries it as `router`, with the routes in `stack`, as @koa/router's does. A
 * path served here for other methods is noted in `ctx.matched` as @koa/router notes it, so that the application's
 * last layer answers 405 rather than 404.
 */
export class ExactRoutes implements PostRoutes {
  private readonly handlers = new Map<string, Map<string, Handler>>();
  readonly stack: ListedRoute[] = [];

  post(path: string, ...middleware: GatewayMiddleware[]): this {
    let byMethod = this.handlers.get(path);
    if (!byMethod) {
      byMethod = new Map();
      this.handlers.set(path, byMethod);
    }
    if (byMethod.has('POST')) throw new Error(`POST ${path} is served twice`);
    byMethod.set('POST', chain(middleware));
    this.stack.push({ path, methods: ['POST'] });
    return this;
  }

  routes(): GatewayMiddleware & { router: ExactRoutes } {
    const dispatch = (ctx: GatewayContext, next: Next) => {
      const byMethod = this.handlers.get(ctx.path);
      if (byMethod === undefined) return next();
      const handler = byMethod.get(ctx.method);
      if (handler !== undefined) return handler(ctx, next);
      const matched = ((ctx as GatewayContext & { matched?: ListedRoute[] }).matched ??= []);
      matched.push({ path: ctx.path, methods: [...byMethod.keys()] });
      return next();
    };
    return Object.assign(dispatch as GatewayMiddleware, { router: this });
  }
}
