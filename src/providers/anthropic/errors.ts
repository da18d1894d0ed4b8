import type { IncomingHttpHeaders } from 'node:http';
import { type KeyProblem, UpstreamError, redactSecrets } from '../../core/errors.js';
import { clipMessage, errorStatus, parseRetryAfter, readErrorFields } from '../openai-compatible/errors.js';


/** Anthropic's status for each error type (docs.claude.com/en/api/errors; SDK `ErrorType`). */
const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * 529 is Anthropic's own "overloaded"; OpenAI SDKs know no such status. 503 says the same in a way every client
 * and the gateway's retry logic understand (a 5xx: retried on another key, and by the client's SDK).
 */
const OVERLOADED_STATUS = 503;

interface OpenAIErrorStyle {
  type: string;
  code: string | null;
}

/** The `type` and `code` OpenAI itself uses for the same failure; the Anthropic type stays visible as the code otherwise. */
function openAIStyle(anthropicType: string | undefined, status: number, message: string): OpenAIErrorStyle {
  switch (anthropicType) {
    case 'authentication_error':
      return { type: 'invalid_request_error', code: 'invalid_api_key' };
    case 'not_found_error':
      return { type: 'invalid_request_error', code: /^model:/i.test(message) ? 'model_not_found' : null };
    case 'rate_limit_error':
      return { type: 'rate_limit_error', code: 'rate_limit_exceeded' };
    case 'billing_error':
      return { type: 'insufficient_quota', code: 'insufficient_quota' };
    case 'permission_error':
      return { type: 'permission_error', code: null };
    case 'invalid_request_error':
    case 'request_too_large':
      return { type: 'invalid_request_error', code: anthropicType === 'request_too_large' ? 'request_too_large' : null };
    default:
      return { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: anthropicType ?? null };
  }
}

/** What an answer says about the key where its status does not: Anthropic reports both as 400 invalid_request_error. */
function keyProblemOf(anthropicType: string | undefined, message: string): KeyProblem | undefined {
  if (anthropicType === 'billing_error' || /credit balance is too low/i.test(message)) return 'quota_exhausted';
  if (/organization has been disabled|api key has been disabled/i.test(message)) return 'invalid';
  return undefined;
}

function clientStatus(status: number): number {
  if (status === 529) return OVERLOADED_STATUS;
  return errorStatus(status);
}

function buildError(provider: string, status: number, anthropicType: string | undefined, rawMessage: string, apiKey: string | undefined, retryAfterMs?: number): UpstreamError {
  const message = clipMessage(redactSecrets(rawMessage, [apiKey]));
  const { type, code } = openAIStyle(anthropicType, status, message);
  return new UpstreamError(provider, 'http', clientStatus(status), message, {
    type,
    code,
    retryAfterMs,
    keyProblem: keyProblemOf(anthropicType, message),
  });
}

/**
 * The error for a non-2xx Anthropic answer (`{"type":"error","error":{"type","message"},"request_id"}`, or the
 * CDN's HTML for 413/502): status kept except 529, message kept with the key removed, Retry-After carried.
 */
export function anthropicErrorFromResponse(provider: string, status: number, headers: IncomingHttpHeaders, body: string, apiKey: string | undefined): UpstreamError {
  const fields = readErrorFields(body);
  const message = fields.message ?? `Upstream ${provider} answered HTTP ${status}.`;
  return buildError(provider, status, fields.type, message, apiKey, parseRetryAfter(headers));
}

/** The error Anthropic sent as an `event: error` after the stream had started; its type decides the status. */
export function anthropicErrorFromStreamEvent(provider: string, data: string, apiKey: string | undefined): UpstreamError {
  const fields = readErrorFields(data);
  const status = (fields.type && STATUS_OF_TYPE[fields.type]) || 502;
  return buildError(provider, status, fields.type, fields.message ?? `Upstream ${provider} reported an error mid-stream.`, apiKey);
}
