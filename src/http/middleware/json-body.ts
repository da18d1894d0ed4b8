import bourne from '@hapi/bourne';
import bodyParser from 'koa-bodyparser';
import type { IncomingMessage } from 'node:http';
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

/** A failure the way raw-body words it (status, `type`), for the error handler to map. */
const readFailure = (status: number, message: string, type: string) => Object.assign(new Error(message), { status, type, expose: true });

/** A body that is not a JSON object or array, as co-body throws it (the error handler makes it `invalid_json`). */
const notJson = (message: string) => Object.assign(new SyntaxError(message), { status: 400 });

/** Only an object or an array is accepted at the top (whitespace as RFC 8259 allows it before). */
const STRICT_JSON = /^[\x20\x09\x0a\x0d]*(\[|\{)/;

const EMPTY = Buffer.alloc(0);
const NEXT_MICROTASK = Promise.resolve();

/** A body's bytes as UTF-8 text, a byte order mark dropped. */
function textOf(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads a body sent without Content-Encoding as UTF-8 text (a byte order mark dropped), within `maxBytes` and
 * `timeoutMs`. What koa-bodyparser does for such a body, without its layers (co-body, raw-body, inflation,
 * iconv, ee-first) and their promises and listeners, which cost more than the rest of reading a small body.
 */
function readText(req: IncomingMessage, maxBytes: number, timeoutMs: number): string | Promise<string> {
  const declared = req.headers['content-length'];
  const length = declared === undefined ? undefined : Number(declared);
  // A small body nearly always comes in the same packets as the headers: when all of it (as its length says, or
  // the message is complete) is buffered already, it is taken at once, without listeners, a timer or a promise.
  const buffered = req.readableLength;
  if (buffered <= maxBytes && (length === undefined ? req.complete : buffered === length)) return textOf((req.read() as Buffer | null) ?? EMPTY);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, text?: string) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error === undefined) return resolve(text!);
      // The rest of the body is left unread, as raw-body leaves it.
      req.unpipe();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) finish(payloadTooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      if (length !== undefined && received !== length) return finish(readFailure(400, 'request size did not match content length', 'request.size.invalid'));
      finish(undefined, textOf(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    };
    const onError = (error: Error) => finish(error);
    const onAborted = () => finish(readFailure(400, 'request aborted', 'request.aborted'));
    if (length !== undefined && length > maxBytes) return finish(payloadTooLarge(maxBytes));
    if (timeoutMs > 0) timer = setTimeout(() => finish(bodyTimedOut(timeoutMs)), timeoutMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** The parsed body: an object or an array; `{}` for an empty body; prototype poisoning refused. */
function parseStrictJson(text: string): unknown {
  if (text === '') return {};
  if (!STRICT_JSON.test(text)) throw notJson('invalid JSON, only supports object and array');
  try {
    return bourne.parse(text, { protoAction: 'error' });
  } catch (error) {
    throw Object.assign(error as Error, { status: 400 });
  }
}

/** koa-bodyparser's wait for a body sent compressed (Content-Encoding: gzip, deflate or br), bounded in time. */
async function withinTime<T>(reading: Promise<T>, timeoutMs: number): Promise<T> {
  if (timeoutMs === 0) return reading;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([reading, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(bodyTimedOut(timeoutMs)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Parses the request body as JSON whatever its Content-Type (curl users often omit it), keeps the raw text for
 * untouched pass-through, and bounds what a client can hold: the size (413 beyond it) and the time it takes to
 * send (408 past it, so a client trickling its body cannot pin a connection and its buffer). A body sent as it is
 * (nearly all of them) is read here; a compressed one is left to koa-bodyparser, which inflates it.
 */
export function jsonBody({ maxBytes, timeoutMs }: JsonBodyLimits): GatewayMiddleware {
  const parseCompressed = bodyParser({
    enableTypes: ['json'],
    jsonLimit: String(maxBytes),
    strict: true,
    detectJSON: () => true,
  }) as unknown as GatewayMiddleware;
  const parsed = async () => undefined;
  const inflated = async (ctx: GatewayContext, next: () => Promise<unknown>) => {
    try {
      await withinTime(parseCompressed(ctx, parsed), timeoutMs);
    } catch (error) {
      if ((error as { type?: unknown } | undefined)?.type === 'entity.too.large') throw payloadTooLarge(maxBytes);
      throw error;
    }
    return next();
  };
  const takeText = (ctx: GatewayContext, next: () => Promise<unknown>, text: string) => {
    ctx.request.body = parseStrictJson(text);
    ctx.request.rawBody = text;
    return next();
  };
  // Not async: a body read at once adds no promise of its own to the call.
  const read = (ctx: GatewayContext, next: () => Promise<unknown>): Promise<unknown> => {
    const reading = readText(ctx.req, maxBytes, timeoutMs);
    return typeof reading === 'string' ? takeText(ctx, next, reading) : reading.then((text) => takeText(ctx, next, text));
  };
  return (ctx, next) => {
    const encoding = ctx.req.headers['content-encoding'];
    if (encoding !== undefined && encoding !== 'identity') return inflated(ctx, next);
    // The layers before this ran while Node was still parsing the packet that brought the headers; a microtask later
    // a small body sent with them is buffered, and is read without waiting for it.
    if (ctx.req.readableLength === 0 && !ctx.req.complete) return NEXT_MICROTASK.then(() => read(ctx, next));
    return read(ctx, next);
  };
}

/** The request body as the client sent it, when it was read by `jsonBody`. */
export function rawJsonBody(ctx: GatewayContext): string | undefined {
  const raw: unknown = ctx.request.rawBody;
  return typeof raw === 'string' ? raw : undefined;
}
