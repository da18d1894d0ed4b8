import { type GatewayError, UpstreamError } from '../../core/errors.js';
import type { ErrorReply } from '../protocol.js';

/** Anthropic's error type for each status (https://docs.claude.com/en/api/errors). */
const TYPE_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Anthropic says "overloaded" with 529, which its SDK and Claude Code retry; the gateway's 503 means the same. */
const anthropicStatus = (status: number) => (status === 503 ? 529 : status);

/** The error event of a stream that broke off, and the body of an error answer. */
export function anthropicErrorBody(error: GatewayError): { type: 'error'; error: { type: string; message: string } } {
  const status = anthropicStatus(error.status);
  return { type: 'error', error: { type: TYPE_OF_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message: error.message } };
}

/**
 * Errors in Anthropic's shape (`{"type":"error","error":{"type","message"}}`) with its statuses; an Anthropic
 * upstream's own error answer is passed on as it came (key removed).
 */
export function anthropicErrorReply(error: unknown, gatewayError: GatewayError): ErrorReply {
  if (error instanceof UpstreamError && error.answer) {
    return { status: error.answer.status, headers: error.headers, contentType: error.answer.contentType, body: error.answer.body };
  }
  return { status: anthropicStatus(gatewayError.status), headers: gatewayError.headers, body: anthropicErrorBody(gatewayError) };
}
