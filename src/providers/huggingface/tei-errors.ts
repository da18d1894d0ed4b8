import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamError, redactSecrets } from '../../core/errors.js';
import { clipMessage, errorStatus, parseRetryAfter } from '../openai-compatible/errors.js';


/** TEI's error body: `{"error": "...", "error_type": "Validation"}` (router/src/lib.rs ErrorResponse). */
export interface TeiErrorBody {
  error?: string;
  errorType?: string;
}

export function readTeiError(body: string): TeiErrorBody {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object') {
      const { error, error_type: errorType } = parsed as Record<string, unknown>;
      return { error: typeof error === 'string' ? error : undefined, errorType: typeof errorType === 'string' ? errorType : undefined };
    }
  } catch {
    // axum answers a body it cannot deserialize with plain text
  }
  const text = body.trim();
  return text === '' ? {} : { error: text };
}

/**
 * The status the client sees for a TEI error. TEI's statuses (router/src/http/server.rs) say what went wrong:
 * 413 Validation (too many inputs, or an input too long without truncation), 422 Tokenizer (or a body axum could
 * not read), 400 Empty: the input's fault, a 400 like OpenAI's own for a bad input. 424 Backend: the model failed
 * (or is not an embedding model), a 502. 429 Overloaded and 503 Unhealthy keep their meaning.
 */
export function clientStatusOf(teiStatus: number): number {
  if (teiStatus === 413 || teiStatus === 422) return 400;
  if (teiStatus === 424) return 502;
  return errorStatus(teiStatus);
}

export function teiUpstreamError(provider: string, status: number, headers: IncomingHttpHeaders, body: string, apiKey: string | undefined): UpstreamError {
  const { error, errorType } = readTeiError(body);
  const message = clipMessage(
    error ?? (status === 401 ? 'The text-embeddings-inference server rejected the API key.' : `The text-embeddings-inference server answered HTTP ${status}.`),
  );
  const retryAfterMs = parseRetryAfter(headers);
  return new UpstreamError(provider, 'http', clientStatusOf(status), redactSecrets(message, [apiKey]), {
    code: errorType === undefined ? null : `tei_${errorType.toLowerCase()}`,
    retryAfterMs,
  });
}
