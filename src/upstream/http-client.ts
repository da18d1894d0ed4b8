import type { IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import type { Cancellation } from '../core/cancellation.js';
import { addUpstreamTime, upstreamTraceparent } from '../core/trace.js';
import { UpstreamError, RequestAbortedError } from '../core/errors.js';
import { ProxySelector, type ProxyEndpoint } from './proxy/selection.js';
import { ProxyError, ProxyTimeoutError, tunnelConnector } from './proxy/tunnel.js';
import { StreamedBody } from './streamed-body.js';

// undici's Pool alone, not the package's index: importing that also installs undici as the dispatcher of the
// process's global fetch, whose stricter checks would then apply to every SDK in the process using fetch.
const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** Text, or bytes as they came (a file upload's chunk). */
  body?: string | Buffer;
  cancellation: Cancellation;
  /**
   * The provider's reading of an answer with a non-2xx status: when given, such an answer is thrown as this error
   * (the body read, at most MAX_ERROR_BODY_BYTES of it for a stream) instead of returned.
   */
  failure?: (status: number, headers: IncomingHttpHeaders, body: string) => Error;
  /** The upstream key, when the call has one: PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY pins each key to one proxy. */
  proxyKey?: string | undefined;
}

export interface UpstreamHttpOptions {
  /** Which calls go through which proxy; none: every call goes direct. */
  proxies?: ProxySelector;
  /** Certificates to trust besides Node's, for https:// upstreams and proxies (a private CA). */
  ca?: string | Buffer;
  /** Headers sent with every call (an upstream's configured `headers`); the provider's own headers win. */
  headers?: Readonly<Record<string, string>>;
}

export interface UpstreamResponse<Body> {
  status: number;
  headers: IncomingHttpHeaders;
  /** The `Content-Type` header, '' when there is none. */
  contentType: string;
  body: Body;
}

/** Largest error body read from a failed upstream call; its message is at the start. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

const MAX_CACHED_TARGETS = 1000;
/** Origins with a connection pool of their own; past this, the oldest pool is closed for a new one. */
const MAX_ORIGINS = 100;

interface RequestTarget {
  protocol: 'http:' | 'https:';
  hostname: string;
  /** The port the connection goes to, for NO_PROXY. */
  effectivePort: number;
  origin: string;
  path: string;
}

const noop = () => undefined;

/**
 * Keep-alive connection pools by origin, as undici's `Agent` keeps them, without the layer the Agent adds to every
 * call (its own argument checks, the origin's bookkeeping, the handler unwrapped a second time). Upstream origins
 * come from the configuration, so there are few; a bound keeps it so through any number of reloads.
 */
class OriginPools {
  private readonly pools = new Map<string, UndiciPool>();
  private destroyed = false;

  constructor(private readonly options: UndiciPool.Options) {}

  dispatch(options: Dispatcher.DispatchOptions, handler: CallHandler): boolean {
    if (this.destroyed) {
      // As undici's dispatchers answer once destroyed: the call fails, no connection is opened.
      handler.onError(new Error('the upstream client is closed'));
      return false;
    }
    const origin = options.origin as string;
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      if (this.pools.size >= MAX_ORIGINS) this.retireOldest();
      pool = new Pool(origin, this.options);
      this.pools.set(origin, pool);
    } else if (pool.closed || pool.destroyed) {
      this.pools.delete(origin);
      return this.dispatch(options, handler);
    }
    return pool.dispatch(options, handler as unknown as Dispatcher.DispatchHandler);
  }

  private retireOldest(): void {
    const [origin, pool] = this.pools.entries().next().value as [string, UndiciPool];
    this.pools.delete(origin);
    // Calls already on it finish; its connections close after them.
    void pool.close().catch(noop);
  }

  destroy(): Promise<void> {
    this.destroyed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    return Promise.all(pools.map((pool) => pool.destroy())).then(noop);
  }
}

/**
 * The one place that talks HTTP to upstream providers: undici's connection pools with keep-alive reuse, `TIME_OUT`
 * as the longest wait for an answer's headers and the longest silence between two pieces of its body, no redirects
 * and no retries (the dispatcher owns retries, so a failure is seen once and attributed to one key).
 *
 * Calls are dispatched with a handler of our own rather than through undici's `request`: a JSON answer is
 * collected straight from the socket's chunks, with no stream in between, and no async resource is made per call.
 * Moving from Node's http client to this took a non-stream call through the gateway from 229 to 160 µs of CPU on
 * the benchmark machine (got, before, cost several times Node's client). No Accept-Encoding is sent, so answers
 * come uncompressed and SSE is never held back by a compressor. A call with a trace (its cancellation's) carries
 * `traceparent` (the call's trace id, a new span id) and `x-request-id` upstream, and the wait for the upstream's
 * response headers is added to the trace.
 */
export class UpstreamHttp {
  private readonly direct: OriginPools;
  /** Pools tunnelling through each proxy used so far, by its URL. */
  private readonly proxyPools = new Map<string, OriginPools>();
  private readonly proxies: ProxySelector | undefined;
  private readonly ca: string | Buffer | undefined;
  private readonly extraHeaders: Readonly<Record<string, string>> | undefined;

  /** Parsed request targets by URL: providers call a handful of fixed URLs, so each is parsed once. */
  private readonly targets = new Map<string, RequestTarget>();

  constructor(
    private readonly timeoutMs: number,
    options: UpstreamHttpOptions = {},
  ) {
    this.ca = options.ca;
    // Lower-cased, so that the provider's own header of the same name replaces the configured one.
    this.extraHeaders = options.headers && Object.fromEntries(Object.entries(options.headers).map(([name, value]) => [name.toLowerCase(), value]));
    this.direct = new OriginPools({ ...this.timeouts(), connect: { timeout: timeoutMs, ...(options.ca === undefined ? {} : { ca: options.ca }) } });
    this.proxies = options.proxies?.none === false ? options.proxies : undefined;
  }

  private timeouts() {
    return { headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs, keepAliveTimeout: 30_000 };
  }

  private dispatcherFor(target: RequestTarget, proxyKey: string | undefined): OriginPools {
    const proxy: ProxyEndpoint | undefined = this.proxies?.choose(target.protocol, target.hostname, target.effectivePort, proxyKey);
    if (!proxy) return this.direct;
    let pools = this.proxyPools.get(proxy.href);
    if (!pools) {
      pools = new OriginPools({ ...this.timeouts(), connect: tunnelConnector(proxy, { ca: this.ca, timeoutMs: this.timeoutMs }) });
      this.proxyPools.set(proxy.href, pools);
    }
    return pools;
  }

  private target(url: string): RequestTarget | undefined {
    let target = this.targets.get(url);
    if (target) return target;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    target = {
      protocol: parsed.protocol,
      hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
      effectivePort: parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port),
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
    };
    if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
    this.targets.set(url, target);
    return target;
  }

  /** Sends a request and reads the whole response body as text. */
  request(provider: string, request: UpstreamRequest): Promise<UpstreamResponse<string>> {
    return new Promise((resolve, reject) => this.send(provider, request, 'text', resolve, reject));
  }

  /** As `request`, resolving with the body's text alone. */
  text(provider: string, request: UpstreamRequest): Promise<string> {
    return new Promise((resolve, reject) => this.send<string>(provider, request, 'text', (response) => resolve(response.body), reject));
  }

  /**
   * Sends a request and resolves once the response headers arrive, with the body to read with `for await`.
   * Whoever is reading, the caller of this or the reader of the body, sees the reason if the call is stopped.
   */
  stream(provider: string, request: UpstreamRequest): Promise<UpstreamResponse<StreamedBody>> {
    return new Promise((resolve, reject) => this.send(provider, request, 'chunks', resolve, reject));
  }

  /** As `stream`, with the body as a Node stream, for an answer that is piped on as it is. */
  streamReadable(provider: string, request: UpstreamRequest): Promise<UpstreamResponse<Readable>> {
    return new Promise((resolve, reject) => this.send(provider, request, 'readable', resolve, reject));
  }

  private send<Body extends string | Readable | StreamedBody>(
    provider: string,
    request: UpstreamRequest,
    bodyKind: BodyKind,
    resolve: (response: UpstreamResponse<Body>) => void,
    reject: (error: Error) => void,
  ): void {
    const target = this.target(request.url);
    if (!target) {
      reject(new UpstreamError(provider, 'connection', 502, `Upstream ${provider} has an invalid URL.`, { code: 'upstream_connection_error' }));
      return;
    }
    if (request.cancellation.cancelled) {
      reject(new RequestAbortedError('request aborted by the client'));
      return;
    }
    const trace = request.cancellation.trace;
    const headers = trace
      ? { ...this.extraHeaders, ...request.headers, traceparent: upstreamTraceparent(trace), 'x-request-id': trace.requestId }
      : this.extraHeaders
        ? { ...this.extraHeaders, ...request.headers }
        : request.headers;
    const handler = new CallHandler(provider, request, bodyKind, this.timeoutMs, trace ? (ms) => addUpstreamTime(trace, ms) : undefined, resolve as never, reject);
    const dispatcher = this.proxies ? this.dispatcherFor(target, request.proxyKey) : this.direct;
    dispatcher.dispatch({ origin: target.origin, path: target.path, method: request.method, headers, body: request.body ?? null }, handler);
  }

  close(): void {
    void this.direct.destroy().catch(noop);
    for (const pools of this.proxyPools.values()) void pools.destroy().catch(noop);
  }
}

/** How an answer's body is handed over: read whole as text, or at the headers as chunks or as a Node stream. */
type BodyKind = 'text' | 'chunks' | 'readable';

/**
 * One call as undici reports it (its legacy handler interface, which undici itself speaks; the newer one is
 * wrapped onto it per call). Settles the caller's promise once: with the whole text, or at the headers with the
 * body as a stream, or with the failure read from a non-2xx answer, or with the transport error.
 */
class CallHandler {
  private abort: ((reason: Error) => void) | undefined;
  private settled = false;
  private status = 0;
  private rawHeaders: Buffer[] | undefined;
  private chunks: Buffer[] | undefined;
  private size = 0;
  private body: Readable | StreamedBody | undefined;
  private readonly sentAt: number;
  private readonly removeCancelHandler: () => void;

  constructor(
    private readonly provider: string,
    private readonly request: UpstreamRequest,
    private readonly bodyKind: BodyKind,
    private readonly timeoutMs: number,
    private readonly onUpstreamTime: ((ms: number) => void) | undefined,
    private readonly resolve: (response: UpstreamResponse<string | Readable | StreamedBody>) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.sentAt = onUpstreamTime ? performance.now() : 0;
    this.removeCancelHandler = request.cancellation.onCancel(() => this.cancel());
  }

  private cancel(): void {
    const reason = new RequestAbortedError('request aborted by the client');
    if (this.body) {
      this.body.destroy(reason);
      return;
    }
    this.abort?.(reason);
    // A call still waiting for its connection (a proxy tunnel being opened) is given up at once; undici drops it
    // when its turn comes (onConnect below).
    this.fail(reason);
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.removeCancelHandler();
    this.reject(error);
  }

  onConnect(abort: (reason: Error) => void): void {
    if (this.request.cancellation.cancelled) abort(new RequestAbortedError('request aborted by the client'));
    else this.abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true;
    if (this.onUpstreamTime) this.onUpstreamTime(performance.now() - this.sentAt);
    this.status = status;
    this.rawHeaders = rawHeaders;
    if (this.bodyKind === 'text' || (status >= 300 && this.request.failure)) {
      this.chunks = [];
      return true;
    }
    const abort = this.abort!;
    this.settled = true;
    if (this.bodyKind === 'chunks') {
      this.body = new StreamedBody(abort, resume, this.removeCancelHandler);
      this.resolve(new UpstreamAnswer(status, rawHeaders, this.body));
      return true;
    }
    const body = new Readable({
      read: resume,
      destroy(error, callback) {
        // Destroyed before its end (the reader stopped): the upstream call is torn down with it.
        if (!body.readableEnded) abort(error ?? new RequestAbortedError('request aborted by the client'));
        callback(error);
      },
    });
    // Destroyed without a reader listening for it, the failure must not be an unhandled 'error'.
    body.on('error', noop);
    body.once('close', this.removeCancelHandler);
    this.body = body;
    this.resolve(new UpstreamAnswer(status, rawHeaders, body));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.body) return this.body.push(chunk);
    this.chunks!.push(chunk);
    this.size += chunk.length;
    // A failure's body is read only so far: its message is at the start.
    if (this.bodyKind !== 'text' && this.size >= MAX_ERROR_BODY_BYTES) {
      this.settle();
      this.abort?.(new RequestAbortedError('error body read'));
      return false;
    }
    return true;
  }

  onComplete(): void {
    if (this.body instanceof StreamedBody) this.body.end();
    else if (this.body) this.body.push(null);
    else this.settle();
  }

  /** Settles with the body collected: the failure read from it, or the text. */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.removeCancelHandler();
    const chunks = this.chunks!;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    const status = this.status;
    const answer = new UpstreamAnswer(status, this.rawHeaders!, text);
    if (status >= 300 && this.request.failure) this.reject(this.request.failure(status, answer.headers, text));
    else this.resolve(answer);
  }

  onError(error: Error): void {
    if (this.body instanceof StreamedBody) {
      this.body.fail(toTransportError(this.provider, error, this.timeoutMs));
      return;
    }
    if (this.body) {
      if (!this.body.destroyed) this.body.destroy(toTransportError(this.provider, error, this.timeoutMs));
      return;
    }
    // An error body cut short still says what it said so far.
    if (this.chunks && this.bodyKind !== 'text' && this.request.failure) {
      this.settle();
      return;
    }
    this.fail(toTransportError(this.provider, error, this.timeoutMs));
  }
}

/**
 * An upstream's answer; its headers are read from undici's raw list when first asked for: a JSON answer's caller
 * usually needs none of them.
 */
class UpstreamAnswer<Body> implements UpstreamResponse<Body> {
  private parsed: IncomingHttpHeaders | undefined;

  constructor(
    readonly status: number,
    private readonly raw: Buffer[],
    readonly body: Body,
  ) {}

  get headers(): IncomingHttpHeaders {
    return (this.parsed ??= parseHeaders(this.raw));
  }

  /** Found without parsing the other headers: a stream's reader asks for this one alone. */
  get contentType(): string {
    if (this.parsed) return String(this.parsed['content-type'] ?? '');
    const raw = this.raw;
    for (let index = 0; index < raw.length; index += 2) {
      const name = raw[index]!;
      if (name.length === 12 && name.toString('latin1').toLowerCase() === 'content-type') return raw[index + 1]!.toString('latin1');
    }
    return '';
  }
}

/** Response headers as Node's http client gives them: lower-case names, repeats joined, `set-cookie` a list. */
function parseHeaders(raw: Buffer[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!.toString('latin1').toLowerCase();
    const value = raw[index + 1]!.toString('latin1');
    const earlier = headers[name];
    if (earlier === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(earlier)) earlier.push(value);
    else headers[name] = `${earlier}, ${value}`;
  }
  return headers as IncomingHttpHeaders;
}

/**
 * Reads a response body as text, at most `limit` bytes (the rest is dropped and the connection closed), so a
 * misbehaving upstream cannot exhaust memory. A body that breaks off yields what arrived before the break.
 */
export async function readBodyText(body: StreamedBody, limit = MAX_ERROR_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // a body cut short still says what it said so far (it has let go of the upstream request already)
  }
  return Buffer.concat(chunks).toString('utf8');
}

function timedOut(provider: string, timeoutMs: number | undefined, detail: string): UpstreamError {
  const after = timeoutMs === undefined ? '' : ` after ${timeoutMs / 1000}s without an answer`;
  return new UpstreamError(provider, 'timeout', 504, `Upstream ${provider} timed out${after}${detail}.`, { code: 'upstream_timeout' });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps a transport failure (no HTTP response, or a broken one) to an UpstreamError; aborts stay aborts. */
export function toTransportError(provider: string, error: unknown, timeoutMs?: number): Error {
  if (error instanceof UpstreamError || error instanceof RequestAbortedError) return error;
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (error instanceof Error && (error.name === 'AbortError' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED')) {
    return new RequestAbortedError('request aborted by the client');
  }
  if (code !== undefined && TIMEOUT_CODES.has(code)) return timedOut(provider, timeoutMs, '');
  if (error instanceof ProxyTimeoutError) return timedOut(provider, timeoutMs, ` (${error.message})`);
  if (error instanceof ProxyError) {
    return new UpstreamError(provider, 'connection', 502, `Upstream ${provider} could not be reached: ${error.message}.`, { code: 'upstream_connection_error' });
  }
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new UpstreamError(provider, 'connection', 502, `Upstream ${provider} is unreachable or broke the connection (${reason}).`, {
    code: 'upstream_connection_error',
  });
}
