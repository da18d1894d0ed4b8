import { UpstreamError, redactSecrets } from '../../core/errors.js';
import { clipMessage, errorStatus, parseRetryAfter, readErrorFields } from '../openai-compatible/errors.js';
import type { ResponseErrorReader } from '../shared/upstream-exchange.js';

/** Ollama's two spellings: `model 'x' not found` and `model "x" not found, try pulling it first`. */
const MODEL_NOT_FOUND = /\bmodel\b.*\bnot found\b/i;

/**
 * The client's error for an Ollama answer with a non-2xx status. Ollama's body is `{"error":"…"}` (a route it
 * does not have answers in plain text); its status and message are kept, the key used is removed from the
 * message, and a missing model is reported with OpenAI's `model_not_found` code so SDKs recognise it.
 */
export const ollamaErrorFromResponse: ResponseErrorReader = (provider, status, headers, body, apiKey) => {
  const message = clipMessage(readErrorFields(body).message ?? `Upstream ${provider} answered HTTP ${status}.`);
  const modelMissing = status === 404 && MODEL_NOT_FOUND.test(message);
  const retryAfterMs = parseRetryAfter(headers);
  return new UpstreamError(provider, 'http', errorStatus(status), redactSecrets(message, [apiKey]), {
    code: modelMissing ? 'model_not_found' : null,
    param: modelMissing ? 'model' : null,
    retryAfterMs,
  });
};

/**
 * An `{"error":"…"}` line inside a stream (or inside a 2xx body): the HTTP status was already sent as 200, so
 * the failure is reported as a bad gateway with Ollama's message.
 */
export function ollamaErrorFromPayload(provider: string, payload: string, apiKey: string | undefined): UpstreamError {
  const message = clipMessage(readErrorFields(payload).message ?? `Upstream ${provider} reported an error.`);
  return new UpstreamError(provider, 'http', 502, redactSecrets(message, [apiKey]));
}
