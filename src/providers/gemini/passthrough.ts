import type { UpstreamHttp } from '../../upstream/http-client.js';
import { forwardAnswer, ownProtocolRequest } from '../shared/passthrough-answer.js';
import type { PassthroughCall, PassthroughResult } from '../types.js';
import { geminiErrorFromResponse } from './errors.js';
import { geminiUsageFromText } from './usage.js';

/** The model a native path names: `/models/gemini-2.5-flash:streamGenerateContent` → `gemini-2.5-flash`. */
const modelOfPath = (path: string): string => /\/models\/([^/:]+)/.exec(path)?.[1] ?? '';

const DEFAULT_CONTENT_TYPE = 'application/json; charset=UTF-8';

/**
 * A request to Gemini's own API as the client wrote it, with the pool key in `x-goog-api-key`. The answer's bytes
 * are handed back untouched; its last bytes are kept to read the usage it reports. A failed answer is thrown as
 * Gemini's error, carrying the answer itself (key removed) for the client.
 */
export function geminiPassthrough(provider: string, baseUrl: string, http: UpstreamHttp, call: PassthroughCall): Promise<PassthroughResult> {
  const headers: Record<string, string> = { accept: call.accept };
  if (call.apiKey !== undefined) headers['x-goog-api-key'] = call.apiKey;
  const request = ownProtocolRequest(baseUrl, call, headers, DEFAULT_CONTENT_TYPE, (status, answerHeaders, text, apiKey) => geminiErrorFromResponse(provider, status, answerHeaders, text, apiKey));
  return forwardAnswer(provider, http, request, {
    defaultContentType: DEFAULT_CONTENT_TYPE,
    usage: (ends) => geminiUsageFromText(ends.tail, modelOfPath(call.path)),
  });
}
