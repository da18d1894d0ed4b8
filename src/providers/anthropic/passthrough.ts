import { firstObjectOfKey, lastObjectOfKey } from '../../core/json-text.js';
import type { TokenUsage } from '../../core/usage.js';
import type { UpstreamHttp } from '../../upstream/http-client.js';
import { type AnswerEnds, bufferedAnswer, forwardAnswer, ownProtocolRequest } from '../shared/passthrough-answer.js';
import type { PassthroughCall, PassthroughResult } from '../types.js';
import { anthropicErrorFromResponse } from './errors.js';
import { anthropicTokenUsage, mergeUsage } from './usage.js';
import type { AnthropicUsage } from './wire.js';

const DEFAULT_CONTENT_TYPE = 'application/json';
/** `message_start`, with the input usage, is the stream's first event. */
const HEAD_BYTES = 4096;

const asUsage = (value: unknown): AnthropicUsage | undefined => (value !== null && typeof value === 'object' ? (value as AnthropicUsage) : undefined);

/**
 * A message's usage: a whole message has one `usage`; a stream has the input counts in `message_start` and the
 * cumulative output (and sometimes updated input) counts in its last `message_delta`.
 */
function usageOfMessage(text: string): TokenUsage | undefined {
  const usage = asUsage(lastObjectOfKey(text, 'usage'));
  return usage && anthropicTokenUsage(usage);
}

function usageOfAnswer(ends: AnswerEnds, contentType: string): TokenUsage | undefined {
  const last = asUsage(lastObjectOfKey(ends.tail, 'usage'));
  if (!contentType.includes('text/event-stream')) return last && anthropicTokenUsage(last);
  const start = asUsage(firstObjectOfKey(ends.head, 'usage'));
  return start || last ? anthropicTokenUsage(mergeUsage(start, last)) : undefined;
}

/** `anthropic-beta` values of both sides, the client's first, each once. */
function mergedBetas(configured: string | undefined, client: string | undefined): string | undefined {
  const all = [...(client ?? '').split(','), ...(configured ?? '').split(',')].map((beta) => beta.trim()).filter((beta) => beta !== '');
  return all.length === 0 ? undefined : [...new Set(all)].join(',');
}

/**
 * A request in Anthropic's own protocol (`/v1/messages`, `/v1/messages/count_tokens`) as the client wrote it, with
 * the pool key in `x-api-key`; `accept` says whether the answer streams (`text/event-stream`) or is read whole.
 * The client's `anthropic-version` wins over the configured one; its `anthropic-beta` values are sent with the
 * configured ones. The answer's bytes come back untouched; a failed answer is thrown as Anthropic's error carrying
 * the answer itself (key removed) for the client.
 */
export function anthropicPassthrough(provider: string, baseUrl: string, http: UpstreamHttp, baseHeaders: Readonly<Record<string, string>>, call: PassthroughCall): Promise<PassthroughResult> {
  const headers: Record<string, string> = { 'anthropic-version': call.headers?.['anthropic-version'] ?? baseHeaders['anthropic-version']!, accept: call.accept };
  const betas = mergedBetas(baseHeaders['anthropic-beta'], call.headers?.['anthropic-beta']);
  if (betas !== undefined) headers['anthropic-beta'] = betas;
  if (call.apiKey !== undefined) headers['x-api-key'] = call.apiKey;
  const request = ownProtocolRequest(baseUrl, call, headers, DEFAULT_CONTENT_TYPE, (status, answerHeaders, text, apiKey) => anthropicErrorFromResponse(provider, status, answerHeaders, text, apiKey));
  if (!call.accept.includes('text/event-stream')) {
    // A whole message is read at once: cheaper than piping a body that is complete anyway.
    return http.request(provider, request).then((answer) => bufferedAnswer(answer, DEFAULT_CONTENT_TYPE, usageOfMessage));
  }
  return forwardAnswer(provider, http, request, { defaultContentType: DEFAULT_CONTENT_TYPE, headBytes: HEAD_BYTES, usage: usageOfAnswer });
}
