import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamError } from '../../core/errors.js';
import type { UpstreamHttp, UpstreamResponse } from '../../upstream/http-client.js';
import type { StreamedBody } from '../../upstream/streamed-body.js';
import type { UpstreamCall } from '../types.js';

/** Builds the client's error from an upstream's non-2xx answer, with `apiKey` kept out of it. */
export type ResponseErrorReader = (provider: string, status: number, headers: IncomingHttpHeaders, body: string, apiKey: string | undefined) => UpstreamError;

/**
 * How a provider talks HTTP to its upstream: the key in the upstream's headers, and a non-2xx answer thrown as the
 * upstream's error. Bodies are strings of JSON; what they mean is the provider's business.
 */
export class UpstreamExchange {
  constructor(
    private readonly provider: string,
    private readonly http: UpstreamHttp,
    private readonly headers: (apiKey: string | undefined, accept: string, hasBody: boolean) => Record<string, string>,
    private readonly errorFromResponse: ResponseErrorReader,
  ) {}

  /** One request with a JSON answer, whose text it resolves with. */
  json(method: 'GET' | 'POST', url: string, body: string | undefined, call: UpstreamCall): Promise<string> {
    return this.http.text(this.provider, {
      method,
      url,
      headers: this.headers(call.apiKey, 'application/json', body !== undefined),
      body,
      cancellation: call.cancellation,
      proxyKey: call.apiKey,
      failure: (status, headers, text) => this.errorFromResponse(this.provider, status, headers, text, call.apiKey),
    });
  }

  /** A streaming POST: resolves once the upstream's headers are in, with the body still to read. */
  stream(url: string, body: string, call: UpstreamCall, accept: string): Promise<UpstreamResponse<StreamedBody>> {
    return this.http.stream(this.provider, {
      method: 'POST',
      url,
      headers: this.headers(call.apiKey, accept, true),
      body,
      cancellation: call.cancellation,
      proxyKey: call.apiKey,
      failure: (status, headers, text) => this.errorFromResponse(this.provider, status, headers, text, call.apiKey),
    });
  }
}
