import { payloadTooLarge } from '../../core/errors.js';
import type { GatewayMiddleware } from '../context.js';

/**
 * Reads a request body whole as bytes, at most `limitBytes` (413 beyond it, told by Content-Length before anything
 * is read when the client sent one), for the routes that take files (multipart/form-data); the protocol parses it.
 */
export function rawBytesBody(limitBytes: number): GatewayMiddleware {
  return async (ctx, next) => {
    const declared = Number(ctx.get('content-length') || 0);
    if (declared > limitBytes) throw payloadTooLarge(limitBytes);
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of ctx.req) {
      length += (chunk as Buffer).length;
      if (length > limitBytes) {
        ctx.req.destroy();
        throw payloadTooLarge(limitBytes);
      }
      chunks.push(chunk as Buffer);
    }
    ctx.request.body = Buffer.concat(chunks, length);
    await next();
  };
}
