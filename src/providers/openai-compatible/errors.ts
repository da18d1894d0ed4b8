import type { IncomingHttpHeaders } from 'node:http';
import { type KeyProblem, UpstreamError, redactSecrets } from '../../core/errors.js';
import type { ResponseErrorReader } from '../shared/upstream-exchange.js';
import { parseJsonOrUndefined } from '../shared/upstream-body.js';

const MAX_MESSAGE_LENGTH = 2000;

/** An upstream's error message as the client gets it: at most MAX_MESSAGE_LENGTH characters. */
export function clipMessage(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

/** The status the client gets for an upstream's error status: the status itself when it is an error, else 502. */
export function errorStatus(status: number | undefined): number {
  return status !== undefined && status >= 400 && status <= 599 ? status : 502;
}

/** Milliseconds from a Retry-After (seconds or HTTP date) or retry-after-ms header, if the upstream sent one. */
export function parseRetryAfter(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface ErrorFields {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
}

const asText = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** Reads the error fields from the bodies OpenAI-compatible servers send: OpenAI's, FastAPI's, plain strings. */
export function readErrorFields(body: string): ErrorFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const text = body.trim();
    return text === '' ? {} : { message: text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim() };
  }
  if (parsed === null || typeof parsed !== 'object') return { message: asText(parsed) };
  const record = parsed as Record<string, unknown>;
  const inner = record.error;
  if (typeof inner === 'string') return { message: inner, type: asText(record.type), code: asText(record.code) };
  if (inner && typeof inner === 'object') {
    const error = inner as Record<string, unknown>;
    return {
      message: asText(error.message) ?? asText(record.message),
      type: asText(error.type) ?? asText(error.status),
      code: asText(error.code),
      param: asText(error.param),
    };
  }
  const detail = record.detail;
  return {
    message: asText(record.message) ?? asText(detail) ?? (detail === undefined ? undefined : JSON.stringify(detail)),
    type: asText(record.type),
    code: asText(record.code),
  };
}

/**
 * Builds the error the client sees from an upstream's non-2xx answer: the upstream's status and message kept
 * (never a generic 500), the key used for the call and anything shaped like a key removed, Retry-After carried.
 */
export const upstreamErrorFromResponse: ResponseErrorReader = (provider, status, headers, body, apiKey) => {
  const fields = readErrorFields(body);
  const retryAfterMs = parseRetryAfter(headers);
  const message = clipMessage(fields.message ?? `Upstream ${provider} answered HTTP ${status}.`);
  return new UpstreamError(provider, 'http', errorStatus(status), redactSecrets(message, [apiKey]), {
    type: fields.type,
    code: fields.code ?? null,
    param: fields.param ?? null,
    retryAfterMs,
  });
};

/** The error an upstream reported inside a stream (`data: {"error":{...}}`). */
export function upstreamErrorFromStreamPayload(provider: string, payload: string, apiKey: string | undefined): UpstreamError {
  const fields = readErrorFields(payload);
  const numericCode = Number(fields.code);
  const status = errorStatus(Number.isInteger(numericCode) ? numericCode : undefined);
  return new UpstreamError(provider, 'http', status, redactSecrets(fields.message ?? 'Upstream reported an error mid-stream.', [apiKey]), {
    type: fields.type,
    code: fields.code ?? null,
    param: fields.param ?? null,
  });
}

/** What an embedded error says, in the upstream's own terms. */
export interface EmbeddedErrorFields {
  code: number;
  message: string;
}

/**
 * How to recognise an error that an upstream reports inside a 200 answer (MiniMax's `base_resp.status_code`,
 * Spark's `code`): `marker` is a cheap test on the raw text, so only suspicious bodies are read; `read` finds the
 * code and message; `statusOf` gives the HTTP status it means, `keyProblemOf` what it says about the key.
 */
export interface EmbeddedErrorRule {
  marker: RegExp;
  read(answer: unknown): EmbeddedErrorFields | undefined;
  statusOf(code: number): number;
  keyProblemOf?(code: number): KeyProblem | undefined;
}

export function embeddedError(provider: string, rule: EmbeddedErrorRule, text: string, apiKey: string | undefined): UpstreamError | undefined {
  const fields = rule.read(parseJsonOrUndefined(text));
  if (!fields) return undefined;
  return new UpstreamError(provider, 'http', rule.statusOf(fields.code), redactSecrets(fields.message || `Upstream ${provider} reported error ${fields.code}.`, [apiKey]), {
    code: String(fields.code),
    keyProblem: rule.keyProblemOf?.(fields.code),
  });
}
