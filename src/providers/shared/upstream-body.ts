import { UpstreamError } from '../../core/errors.js';
import { toTransportError } from '../../upstream/http-client.js';
import type { StreamedBody } from '../../upstream/streamed-body.js';

/** The most a JSON answer read whole from a streamed response may hold. */
export const MAX_JSON_ANSWER_BYTES = 16 * 1024 * 1024;

export function streamTruncated(provider: string): UpstreamError {
  return new UpstreamError(provider, 'protocol', 502, `Upstream ${provider} ended the stream before the response was complete.`, {
    code: 'upstream_stream_truncated',
  });
}

/**
 * Reads an upstream's stream body through `convert`, which turns its raw chunks into batches of OpenAI chunks.
 * `finished` tells whether the upstream sent its end of answer: a body that ends without it is a truncated answer,
 * thrown so it never looks complete. After a finished answer the rest of the body (normally nothing) is drained so
 * the socket returns to the pool; in every other case (client gone, failure) the upstream request is torn down.
 * Network failures come out as the provider's UpstreamError.
 */
export async function* readUpstreamStream<T>(
  provider: string,
  body: StreamedBody,
  convert: (chunks: AsyncIterable<Buffer | string>) => AsyncIterable<T>,
  finished: () => boolean,
): AsyncGenerator<T> {
  try {
    // destroyOnReturn: false keeps the connection reusable when reading stops at the end of the answer.
    yield* convert(body.iterator({ destroyOnReturn: false }));
    if (!finished()) throw streamTruncated(provider);
  } catch (error) {
    throw toTransportError(provider, error);
  } finally {
    body.release(finished());
  }
}

/** Parses a 2xx JSON answer; one that is not JSON is the upstream's failure. */
export function parseJsonAnswer(provider: string, text: string, failure = 'sent a response that is not JSON'): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidResponse(provider, failure);
  }
}

/** An answer the gateway cannot read: `what` completes "Upstream <provider> …". */
export function invalidResponse(provider: string, what: string): UpstreamError {
  return new UpstreamError(provider, 'protocol', 502, `Upstream ${provider} ${what}.`, { code: 'upstream_invalid_response' });
}

/** JSON text parsed, or undefined when it is not JSON: for answers whose shape is checked next anyway. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
