import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import type { TokenUsage } from '../../core/usage.js';
import { toTransportError, type UpstreamHttp, type UpstreamRequest, type UpstreamResponse } from '../../upstream/http-client.js';
import { redactSecrets, type UpstreamError } from '../../core/errors.js';
import type { PassthroughCall, PassthroughResult } from '../types.js';

/** Enough of an answer's start and end to hold its usage reports (Anthropic's `message_start`, everyone's last one). */
const END_BYTES = 16_384;

/**
 * Passes a streamed answer through unchanged and keeps its first and last bytes, where passthrough APIs put their
 * usage, to be read once the answer is over.
 */
export class AnswerEnds extends Transform {
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private readonly tailChunks: Buffer[] = [];
  private tailLength = 0;

  constructor(private readonly headBytes = 0) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.keep(chunk);
    callback(null, chunk);
  }

  keep(chunk: Buffer): void {
    if (this.headLength < this.headBytes) {
      this.headChunks.push(chunk);
      this.headLength += chunk.length;
    }
    this.tailChunks.push(chunk);
    this.tailLength += chunk.length;
    while (this.tailLength - this.tailChunks[0]!.length >= END_BYTES) this.tailLength -= this.tailChunks.shift()!.length;
  }

  get head(): string {
    return Buffer.concat(this.headChunks).toString('utf8');
  }

  get tail(): string {
    return Buffer.concat(this.tailChunks).toString('utf8');
  }
}

/** Resolves with the first chunk of the body (undefined when it is empty) and leaves the body paused. */
function firstChunk(body: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      cleanup();
      body.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
}

const closed = (body: Readable): Promise<void> =>
  new Promise((resolve) => {
    if (body.destroyed || body.readableEnded) resolve();
    else body.once('close', () => resolve());
  });

export interface PassedThroughOptions {
  /** The content type to report when the upstream names none. */
  defaultContentType: string;
  /** Bytes of the answer's start to keep for `usage` (0: only its end is kept). */
  headBytes?: number;
  /** The usage an answer reports, read from its kept ends once it is over. */
  usage(ends: AnswerEnds, contentType: string): TokenUsage | undefined;
}

/**
 * An upstream's 2xx answer handed back as bytes: the first chunk read before returning (so a failure before the
 * first byte can still be retried), the rest as it comes, and the usage read from the kept ends once it is over.
 */
export async function passedThroughAnswer(provider: string, answer: UpstreamResponse<Readable>, options: PassedThroughOptions): Promise<PassthroughResult> {
  let first: Buffer | undefined;
  try {
    first = await firstChunk(answer.body);
  } catch (error) {
    throw toTransportError(provider, error);
  }
  const ends = new AnswerEnds(options.headBytes);
  if (first) ends.keep(first);
  // Errors reach the reader of `ends`, which pipeline destroys with the upstream body.
  pipeline(answer.body, ends, () => undefined);
  const contentType = answer.contentType || options.defaultContentType;
  return {
    status: answer.status,
    contentType,
    first,
    body: ends,
    finished: closed(answer.body),
    get usage() {
      return options.usage(ends, contentType);
    },
  };
}

/** Sends a request in the upstream's own protocol and hands its answer back as bytes; a non-2xx answer is thrown by `request.failure`. */
export async function forwardAnswer(provider: string, http: UpstreamHttp, request: UpstreamRequest, options: PassedThroughOptions): Promise<PassthroughResult> {
  return passedThroughAnswer(provider, await http.streamReadable(provider, request), options);
}

const NOTHING_LEFT = Promise.resolve();

/**
 * An upstream's whole 2xx answer, read before returning (a JSON answer, not a stream), handed back as it came: cheaper
 * than a pipe for a body that is complete anyway.
 */
export function bufferedAnswer(answer: UpstreamResponse<string>, defaultContentType: string, readUsage: (text: string) => TokenUsage | undefined): PassthroughResult {
  return {
    status: answer.status,
    contentType: answer.contentType || defaultContentType,
    first: answer.body === '' ? undefined : Buffer.from(answer.body, 'utf8'),
    body: undefined,
    finished: NOTHING_LEFT,
    get usage() {
      return readUsage(answer.body);
    },
  };
}

/**
 * The request for a call in the upstream's own protocol: the client's path, query and body below `baseUrl`, with
 * `headers` (the key among them). A failed answer is thrown as the provider's error (`errorOf`) carrying the answer
 * itself, key removed, for the client of that protocol.
 */
export function ownProtocolRequest(
  baseUrl: string,
  call: PassthroughCall,
  headers: Record<string, string>,
  defaultContentType: string,
  errorOf: (status: number, headers: IncomingHttpHeaders, text: string, apiKey: string | undefined) => UpstreamError,
): UpstreamRequest {
  if (call.body !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
  return {
    method: call.method,
    url: `${baseUrl}${call.path}${call.query === '' ? '' : `?${call.query}`}`,
    headers,
    body: call.body,
    cancellation: call.cancellation,
    proxyKey: call.apiKey,
    failure: (status, answerHeaders, text) =>
      errorOf(status, answerHeaders, text, call.apiKey).withAnswer({
        status,
        contentType: String(answerHeaders['content-type'] ?? defaultContentType),
        body: redactSecrets(text, [call.apiKey]),
      }),
  };
}
