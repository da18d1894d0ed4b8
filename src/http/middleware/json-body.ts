import bodyParser from 'koa-bodyparser';
import { GatewayError, payloadTooLarge } from '../../core/errors.js';
import type { GatewayContext, GatewayMiddleware } from '../context.js';

export interface JsonBodyLimits {
  /** Largest body accepted; 413 beyond it. */
  maxBytes: number;
  /** How long the client may take to send it (0: no limit); 408 past it, and the connection is closed. */
  timeoutMs: number;
}

const bodyTimedOut = (timeoutMs: number) =>
  new GatewayError(408, `The request body was not received within ${timeoutMs / 1000} seconds.`, {
    type: 'invalid_request_error',
    code: 'request_timeout',
    // The rest of the body is never read: the connection cannot carry another request.
    headers: { Connection: 'close' },
  });

/**
 * Parses the request body as JSON whatever its Content-Type (curl users often omit it), keeps the raw text for
 * untouched pass-through, and bounds what a client can hold: the size (413 beyond it) and the time it takes to
 * send (408 past it, so a client trickling its body cannot pin a connection and its buffer).
 */
export function jsonBody({ maxBytes, timeoutMs }: JsonBodyLimits): GatewayMiddleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: String(maxBytes),
    strict: true,
    detectJSON: () => true,
  }) as unknown as GatewayMiddleware;
  const parsed = async () => undefined;
  return async (ctx, next) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const reading = parse(ctx, parsed);
      await (timeoutMs === 0
        ? reading
        : Promise.race([reading, new Promise((_, reject) => (timer = setTimeout(() => reject(bodyTimedOut(timeoutMs)), timeoutMs)))]));
    } catch (error) {
      if ((error as { type?: unknown } | undefined)?.type === 'entity.too.large') throw payloadTooLarge(maxBytes);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    await next();
  };
}

/** The request body as the client sent it, when it was read by `jsonBody`. */
export function rawJsonBody(ctx: GatewayContext): string | undefined {
  const raw: unknown = ctx.request.rawBody;
  return typeof raw === 'string' ? raw : undefined;
}
