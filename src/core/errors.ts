/**
 * Errors that leave the gateway, always in OpenAI's shape `{"error":{"message","type","param","code"}}`.
 * OpenAI SDKs pick their exception class from the HTTP status, so the status is what must be right; `type` and
 * `code` follow the values OpenAI itself sends.
 */

export interface OpenAIErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface OpenAIErrorBody {
  error: OpenAIErrorObject;
}

export interface GatewayErrorOptions {
  type?: string;
  code?: string | null;
  param?: string | null;
  /** Response headers that belong to the error, such as Retry-After. */
  headers?: Record<string, string>;
}

const DEFAULT_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
};

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message);
    this.type = options.type ?? DEFAULT_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.code = options.code ?? null;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError(400, message, { param, code });

export const missingOrInvalidToken = (presented: boolean) =>
  new GatewayError(
    401,
    presented
      ? 'Incorrect API key provided. You can obtain a key from the operator of this gateway.'
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    { code: presented ? 'invalid_api_key' : null },
  );

export const modelNotFound = (model: string, reason?: string) =>
  new GatewayError(404, `The model \`${model}\` does not exist or you do not have access to it.${reason ? ` ${reason}` : ''}`, {
    code: 'model_not_found',
    param: 'model',
  });

export const unknownRoute = (method: string, path: string) =>
  new GatewayError(404, `Invalid URL (${method} ${path})`, { code: 'unknown_url' });

export const methodNotAllowed = (method: string, path: string, allowed: string) =>
  new GatewayError(405, `Method ${method} is not allowed for ${path}. Allowed: ${allowed}.`, {
    code: 'method_not_allowed',
    headers: { Allow: allowed },
  });

export const payloadTooLarge = (limitBytes: number) =>
  new GatewayError(413, `Request body too large: the limit is ${limitBytes} bytes.`, { code: 'request_too_large' });

/**
 * nginx's status for a request the client abandoned before its answer was complete. It is never sent (nobody is
 * there to read it); the access log, the request log and the statistics record it.
 */
export const CLIENT_CLOSED_REQUEST = 499;

export const clientClosedRequest = () =>
  new GatewayError(CLIENT_CLOSED_REQUEST, 'The client closed the connection before the answer was complete.', { code: 'client_closed_request' });

/** What kind of failure an upstream call ended in; the retry handler decides on it. */
export type UpstreamFailureKind = 'http' | 'timeout' | 'connection' | 'protocol';

/**
 * What an upstream's answer says about the key used, where the status alone does not tell: Gemini reports a bad
 * key as 400 `API_KEY_INVALID`; a 429 may mean a spent quota (rest the key long) rather than a rate limit.
 */
export type KeyProblem = 'invalid' | 'quota_exhausted';

/**
 * A failure reported by (or while talking to) an upstream provider. The status and message are the upstream's
 * own where it gave them; transport failures become 502 (unreachable, broken) or 504 (timed out).
 */
/** An upstream's own failed answer (its key removed), for routes that speak the upstream's protocol to pass on. */
export interface UpstreamAnswer {
  status: number;
  contentType: string;
  body: string;
}

export class UpstreamError extends GatewayError {
  override name = 'UpstreamError';
  /** How long the upstream asked us to wait (Retry-After, Gemini's RetryInfo), when it said. */
  readonly retryAfterMs: number | undefined;
  readonly keyProblem: KeyProblem | undefined;
  readonly answer: UpstreamAnswer | undefined;

  /** With `retryAfterMs` the client is told the same wait in a Retry-After header (whole seconds, at least 1). */
  constructor(
    readonly provider: string,
    readonly kind: UpstreamFailureKind,
    status: number,
    message: string,
    options: GatewayErrorOptions & { retryAfterMs?: number; keyProblem?: KeyProblem; answer?: UpstreamAnswer } = {},
  ) {
    const retryAfterMs = options.retryAfterMs;
    super(
      status,
      message,
      retryAfterMs === undefined ? options : { ...options, headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), ...options.headers } },
    );
    this.retryAfterMs = options.retryAfterMs;
    this.keyProblem = options.keyProblem;
    this.answer = options.answer;
  }

  /** The same judgement, carrying the upstream's own answer. */
  withAnswer(answer: UpstreamAnswer): UpstreamError {
    return new UpstreamError(this.provider, this.kind, this.status, this.message, {
      type: this.type,
      code: this.code,
      headers: this.headers,
      retryAfterMs: this.retryAfterMs,
      keyProblem: this.keyProblem,
      answer,
    });
  }
}

/** Patterns of well-known upstream key formats, masked wherever upstream text is passed on. */
const KEY_PATTERNS = [
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI, DeepSeek, Anthropic (sk-ant-…), most proxies
  /\bAIza[0-9A-Za-z_-]{30,}/g, // Google API keys
  /\bhf_[A-Za-z0-9]{20,}/g, // Hugging Face tokens
];

/**
 * Removes `secrets` (the key used for the call) and anything shaped like a known key format from upstream text
 * before it reaches a client or a log.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) result = result.split(secret).join('[redacted]');
  }
  for (const pattern of KEY_PATTERNS) result = result.replace(pattern, '[redacted]');
  return result;
}

/** A client-side abort (the caller went away); not an upstream failure. */
export class RequestAbortedError extends Error {
  override name = 'RequestAbortedError';
}
