import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { redactSecrets } from '../../core/errors.js';
import { toTransportError, type UpstreamHttp } from '../../upstream/http-client.js';
import type { PassthroughCall, PassthroughResult } from '../types.js';
import { AnswerTail } from './answer-tail.js';
import { geminiErrorFromResponse } from './errors.js';
import { openAIUsageFromGeminiText } from './usage.js';

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

const closed = (body: IncomingMessage): Promise<void> =>
  new Promise((resolve) => {
    if (body.destroyed || body.readableEnded) resolve();
    else body.once('close', () => resolve());
  });

const DEFAULT_CONTENT_TYPE = 'application/json; charset=UTF-8';

/**
 * A request to Gemini's own API as the client wrote it, with the pool key in `x-goog-api-key`. The answer's bytes
 * are handed back untouched; its last bytes are kept to read the usage it reports. A failed answer is thrown as
 * Gemini's error, carrying the answer itself (key removed) for the client.
 */
export async function geminiPassthrough(provider: string, baseUrl: string, http: UpstreamHttp, call: PassthroughCall): Promise<PassthroughResult> {
  const headers: Record<string, string> = { accept: call.accept };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  if (call.apiKey !== undefined) headers['x-goog-api-key'] = call.apiKey;
  const answer = await http.stream(provider, {
    method: call.method,
    url: `${baseUrl}${call.path}${call.query === '' ? '' : `?${call.query}`}`,
    headers,
    body: call.body,
    cancellation: call.cancellation,
    proxyKey: call.apiKey,
    failure: (status, answerHeaders, text) =>
      geminiErrorFromResponse(provider, status, answerHeaders, text, call.apiKey).withAnswer({
        status,
        contentType: String(answerHeaders['content-type'] ?? DEFAULT_CONTENT_TYPE),
        body: redactSecrets(text, [call.apiKey]),
      }),
  });
  let first: Buffer | undefined;
  try {
    first = await firstChunk(answer.body);
  } catch (error) {
    throw toTransportError(provider, error);
  }
  const tail = new AnswerTail();
  if (first) tail.keep(first);
  // Errors reach the reader of `tail`, which pipeline destroys with the upstream body.
  pipeline(answer.body, tail, () => undefined);
  return {
    status: answer.status,
    contentType: String(answer.headers['content-type'] ?? DEFAULT_CONTENT_TYPE),
    first,
    body: tail,
    finished: closed(answer.body),
    get usage() {
      return openAIUsageFromGeminiText(tail.text);
    },
  };
}
