import type { IncomingHttpHeaders } from 'node:http';
import { redactSecrets } from '../../core/errors.js';
import type { UpstreamHttp } from '../../upstream/http-client.js';
import type { FilesAnswer, FilesCall } from '../types.js';
import { geminiErrorFromResponse } from './errors.js';

const DEFAULT_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** Headers of the resumable upload protocol, both ways (`x-goog-upload-protocol`, `-command`, `-offset`, `-status`, …). */
const UPLOAD_HEADER = /^x-goog-upload-/;

/**
 * Where uploads go for an API base: Google serves them under `/upload` before the version
 * (`…/v1beta` → `…/upload/v1beta`), a proxy at a sub-path the same way.
 */
export function uploadBaseOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  const segments = url.pathname.replace(/\/+$/, '').split('/');
  segments.splice(segments.length - 1, 0, 'upload');
  url.pathname = segments.join('/');
  return url.toString().replace(/\/+$/, '');
}

/** An upload URL Gemini handed out, without the `key` parameter it may carry (the key goes in a header). */
export function withoutKey(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.searchParams.delete('key');
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The file an answer describes (`{"file":{"name":"files/abc"}}` after an upload, `{"name":"files/abc"}` for a get). */
export function describedFile(text: string): string | undefined {
  try {
    const value = JSON.parse(text) as { file?: { name?: unknown }; name?: unknown };
    const name = value.file?.name ?? value.name;
    return typeof name === 'string' && /^files\/[a-z0-9-]+$/.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

function uploadHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (UPLOAD_HEADER.test(name) && typeof value === 'string') kept[name] = value;
  return kept;
}

/**
 * Gemini's Files API: the resumable upload (its start below `/upload`, its chunks to the URL the start answered
 * with), the file list, a file's metadata, its deletion. The key goes in `x-goog-api-key`; the answer comes back
 * whole, with its upload headers, and the upload URL without any key in it. A failure is thrown as Gemini's error
 * carrying the answer (key removed) for the client.
 */
export async function geminiFilesCall(provider: string, baseUrl: string, http: UpstreamHttp, call: FilesCall): Promise<FilesAnswer> {
  const headers: Record<string, string> = { ...call.headers, accept: 'application/json' };
  if (call.apiKey !== undefined) headers['x-goog-api-key'] = call.apiKey;
  let url: string;
  if (call.target.kind === 'upload-chunk') url = call.target.url;
  else {
    const base = call.target.kind === 'upload-start' ? uploadBaseOf(baseUrl) : baseUrl;
    const path = call.target.kind === 'upload-start' ? '/files' : call.target.path;
    url = `${base}${path}${call.query === '' ? '' : `?${call.query}`}`;
  }
  const answer = await http.request(provider, {
    method: call.method,
    url,
    headers,
    ...(call.body === undefined ? {} : { body: call.body }),
    cancellation: call.cancellation,
    proxyKey: call.apiKey,
    failure: (status, answerHeaders, text) =>
      geminiErrorFromResponse(provider, status, answerHeaders, text, call.apiKey).withAnswer({
        status,
        contentType: String(answerHeaders['content-type'] ?? DEFAULT_CONTENT_TYPE),
        body: redactSecrets(text, [call.apiKey]),
      }),
  });
  const kept = uploadHeaders(answer.headers);
  const uploadUrl = kept['x-goog-upload-url'];
  delete kept['x-goog-upload-url'];
  return {
    status: answer.status,
    contentType: answer.contentType || DEFAULT_CONTENT_TYPE,
    headers: kept,
    body: answer.body,
    ...(uploadUrl === undefined ? {} : { uploadUrl: withoutKey(uploadUrl) }),
  };
}
