import { payloadTooLarge } from '../core/errors.js';
import type { GatewayContext } from './context.js';

/** The request body as bytes (a file upload's chunk), refused with 413 beyond `limitBytes`; undefined when empty. */
export async function readRawBody(ctx: GatewayContext, limitBytes: number): Promise<Buffer | undefined> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limitBytes) throw payloadTooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limitBytes) throw payloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  return length === 0 ? undefined : Buffer.concat(chunks, length);
}
