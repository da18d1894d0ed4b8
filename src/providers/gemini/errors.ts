import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { type KeyProblem, UpstreamError, redactSecrets } from '../../core/errors.js';
import { clipMessage, errorStatus, parseRetryAfter } from '../openai-compatible/errors.js';
import type { ResponseErrorReader } from '../shared/upstream-exchange.js';


const detailSchema = z.looseObject({
  '@type': z.string().optional(),
  reason: z.string().optional(),
  retryDelay: z.string().optional(),
  violations: z.array(z.looseObject({ quotaId: z.string().optional(), quotaValue: z.string().optional() })).optional(),
});

const googleErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(detailSchema).optional(),
  }),
});

export type GoogleRpcError = z.infer<typeof googleErrorSchema>['error'];

/** Reads a Google RPC error body (`{"error":{code,message,status,details}}`, or the same inside an array). */
export function readGoogleError(body: string): GoogleRpcError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const result = googleErrorSchema.safeParse(Array.isArray(parsed) ? parsed[0] : parsed);
  return result.success ? result.data.error : undefined;
}

/** `RetryInfo.retryDelay` ("34.4s", a protobuf Duration) in milliseconds. */
export function parseRetryDelay(delay: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(delay?.trim() ?? '');
  return match ? Math.ceil(Number(match[1]) * 1000) : undefined;
}

const detailOfType = (error: GoogleRpcError, type: string) => error.details?.filter((detail) => detail['@type']?.endsWith(`/${type}`)) ?? [];

/**
 * What a Google error says about the key: API_KEY_INVALID (a 400, not a 401, on Gemini) and keys reported as
 * leaked are dead; a 429 whose QuotaFailure names a per-day quota, or a quota of 0 (no free tier for the model on
 * that project), will not recover by waiting a minute.
 */
export function keyProblemOf(status: number, error: GoogleRpcError): KeyProblem | undefined {
  if (detailOfType(error, 'google.rpc.ErrorInfo').some((detail) => detail.reason === 'API_KEY_INVALID')) return 'invalid';
  if (status === 403 && /reported as leaked/i.test(error.message ?? '')) return 'invalid';
  if (status === 429) {
    const violations = detailOfType(error, 'google.rpc.QuotaFailure').flatMap((detail) => detail.violations ?? []);
    if (violations.some((violation) => /PerDay/i.test(violation.quotaId ?? '') || violation.quotaValue === '0')) return 'quota_exhausted';
  }
  return undefined;
}

/** The OpenAI error code for a Google error: the codes OpenAI itself uses where one fits, else the RPC status. */
function openAICodeOf(status: number, error: GoogleRpcError, keyProblem: KeyProblem | undefined): string | null {
  if (keyProblem === 'invalid') return 'invalid_api_key';
  if (keyProblem === 'quota_exhausted') return 'insufficient_quota';
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 404) return 'model_not_found';
  return error.status?.toLowerCase() ?? null;
}

/**
 * Builds the error the client sees from a Gemini error: the upstream status and message kept (an invalid key
 * becomes 401, what it means for the client), the key redacted, `keyProblem` for the key pool, the wait Gemini
 * asked for (RetryInfo, else Retry-After) as `retryAfterMs` and a Retry-After header.
 */
export const geminiErrorFromResponse: ResponseErrorReader = (provider, status, headers, body, apiKey) => {
  const error = readGoogleError(body);
  if (!error) return plainError(provider, status, headers, body, apiKey);
  const effectiveStatus = error.code !== undefined && error.code >= 400 && error.code <= 599 && status < 400 ? error.code : status;
  const keyProblem = keyProblemOf(effectiveStatus, error);
  let clientStatus = errorStatus(effectiveStatus);
  if (keyProblem === 'invalid' && clientStatus === 400) clientStatus = 401;
  const retryInfo = detailOfType(error, 'google.rpc.RetryInfo')[0];
  const retryAfterMs = parseRetryDelay(retryInfo?.retryDelay) ?? parseRetryAfter(headers);
  const message = clipMessage(error.message || `Upstream ${provider} answered HTTP ${status}.`);
  return new UpstreamError(provider, 'http', clientStatus, redactSecrets(message, [apiKey]), {
    code: openAICodeOf(effectiveStatus, error, keyProblem),
    keyProblem,
    retryAfterMs,
  });
};

/** A non-Google body (a proxy's HTML page, an empty body): the status and whatever text there is. */
function plainError(provider: string, status: number, headers: IncomingHttpHeaders, body: string, apiKey: string | undefined): UpstreamError {
  const text = clipMessage(body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim());
  const retryAfterMs = parseRetryAfter(headers);
  return new UpstreamError(provider, 'http', errorStatus(status), redactSecrets(text || `Upstream ${provider} answered HTTP ${status}.`, [apiKey]), {
    retryAfterMs,
  });
}

/** An error Gemini reported inside a stream (`data: {"error":{…}}`): its `code` is the status. */
export function geminiErrorFromStreamPayload(provider: string, payload: string, apiKey: string | undefined): UpstreamError {
  const code = readGoogleError(payload)?.code;
  return geminiErrorFromResponse(provider, errorStatus(code), {}, payload, apiKey);
}
