import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { Cancellation } from '../core/cancellation.js';
import { UpstreamError, RequestAbortedError } from '../core/errors.js';
import { ProxySelector, type ProxyEndpoint } from './proxy/selection.js';
import { ProxyError, tunnelAgents } from './proxy/tunnel.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  cancellation: Cancellation;
  /**
   * The provider's reading of an answer with a non-2xx status: when given, such an answer is thrown as this error
   * (the body read, at most MAX_ERROR_BODY_BYTES of it for a stream) instead of returned.
   */
  failure?: (status: number, headers: http.IncomingHttpHeaders, body: string) => Error;
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
  headers: http.IncomingHttpHeaders;
  body: Body;
}

const MAX_CACHED_TARGETS = 1000;

interface RequestTarget {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number | undefined;
  /** The port the connection goes to, for NO_PROXY. */
  effectivePort: number;
  path: string;
  agent: http.Agent;
}

class UpstreamTimeoutError extends Error {
  override name = 'UpstreamTimeoutError';
}

/** A call in flight, as the silence watchdog sees it: a link in the list of calls in flight. */
interface WatchedCall {
  outgoing: http.ClientRequest;
  /** Its socket's byte count when last looked at (-1 before it had one). */
  bytesRead: number;
  quietSince: number;
  stop(reason: Error): void;
  previous: WatchedCall | undefined;
  next: WatchedCall | undefined;
}

/** The watchdog's period: a quarter of the timeout, within 50 ms and 1 s. */
const watchPeriodMs = (timeoutMs: number) => Math.min(1000, Math.max(50, Math.round(timeoutMs / 4)));

/**
 * The one place that talks HTTP to upstream providers: Node's own http/https with keep-alive connection reuse,
 * `TIME_OUT` as the longest silence allowed (waiting for the answer, or between two chunks of a stream), no
 * redirects and no retries (the dispatcher owns retries, so a failure is seen once and attributed to one key).
 * Silence is watched by one timer for all calls, which looks at how far each call's socket has read, instead of
 * a socket timeout per call: arming, moving and removing those cost more than the rest of the call's
 * bookkeeping. A silent call is stopped between TIME_OUT and TIME_OUT plus a quarter of it (at most 1 s) later.
 *
 * It is deliberately not got: on the benchmark machine (loopback, keep-alive, 32 concurrent calls) got costs
 * 145 µs of CPU per call through its stream interface and 220 µs through its promise interface, against 30 µs
 * here; that alone is more than the gateway's whole per-request budget, and provider calls need nothing that
 * node:http lacks. No Accept-Encoding is sent, so answers come uncompressed and SSE is never held back by a
 * compressor.
 */
export class UpstreamHttp {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };

  /** Agents tunnelling through each proxy used so far, by its URL. */
  private readonly proxyAgents = new Map<string, { 'http:': http.Agent; 'https:': https.Agent }>();
  private readonly proxies: ProxySelector | undefined;
  private readonly ca: string | Buffer | undefined;
  private readonly extraHeaders: Readonly<Record<string, string>> | undefined;

  /** Parsed request targets by URL: providers call a handful of fixed URLs, so each is parsed once. */
  private readonly targets = new Map<string, RequestTarget>();

  /**
   * The calls in flight, newest first. A linked list rather than a Set: with calls coming and going by the
   * thousand a second, a long-lived Set's table keeps young objects reachable through the next scavenges, and
   * they get promoted (measured: 5 KB a call).
   */
  private newestCall: WatchedCall | undefined;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    options: UpstreamHttpOptions = {},
  ) {
    this.ca = options.ca;
    this.extraHeaders = options.headers;
    this.agents = {
      'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
      'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo', ...(options.ca === undefined ? {} : { ca: options.ca }) }),
    };
    this.proxies = options.proxies?.none === false ? options.proxies : undefined;
  }

  private agentFor(target: RequestTarget, proxyKey: string | undefined): http.Agent {
    const proxy: ProxyEndpoint | undefined = this.proxies?.choose(target.protocol, target.hostname, target.effectivePort, proxyKey);
    if (!proxy) return target.agent;
    let agents = this.proxyAgents.get(proxy.href);
    if (!agents) {
      agents = tunnelAgents(proxy, { ca: this.ca, timeoutMs: this.timeoutMs });
      this.proxyAgents.set(proxy.href, agents);
    }
    return agents[target.protocol];
  }

  private watch(call: WatchedCall): void {
    call.next = this.newestCall;
    if (this.newestCall) this.newestCall.previous = call;
    this.newestCall = call;
    this.watchdog ??= setInterval(() => this.stopSilentCalls(), watchPeriodMs(this.timeoutMs)).unref();
  }

  private unwatch(call: WatchedCall): void {
    if (call.previous) call.previous.next = call.next;
    else if (this.newestCall === call) this.newestCall = call.next;
    if (call.next) call.next.previous = call.previous;
    call.previous = undefined;
    call.next = undefined;
  }

  private stopSilentCalls(): void {
    const now = Date.now();
    for (let call = this.newestCall, next: WatchedCall | undefined; call; call = next) {
      next = call.next;
      const bytesRead = call.outgoing.socket?.bytesRead ?? -1;
      if (bytesRead !== call.bytesRead) {
        call.bytesRead = bytesRead;
        call.quietSince = now;
      } else if (now - call.quietSince >= this.timeoutMs) {
        this.unwatch(call);
        call.stop(new UpstreamTimeoutError());
      }
    }
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
      port: parsed.port === '' ? undefined : Number(parsed.port),
      effectivePort: parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port),
      path: `${parsed.pathname}${parsed.search}`,
      agent: this.agents[parsed.protocol],
    };
    if (this.targets.size >= MAX_CACHED_TARGETS) this.targets.clear();
    this.targets.set(url, target);
    return target;
  }

  /** Sends a request and reads the whole response body as text. */
  request(provider: string, request: UpstreamRequest): Promise<UpstreamResponse<string>> {
    return new Promise((resolve, reject) => {
      this.send(provider, request, reject, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
          const status = response.statusCode ?? 502;
          if (status >= 300 && request.failure) reject(request.failure(status, response.headers, body));
          else resolve({ status, headers: response.headers, body });
        });
        response.on('error', (error) => reject(toTransportError(provider, error, this.timeoutMs)));
      });
    });
  }

  /**
   * Sends a request and resolves once the response headers arrive, with the body as a stream. Whoever is
   * reading, the caller of this or the reader of the body, sees the reason if the call is stopped.
   */
  async stream(provider: string, request: UpstreamRequest): Promise<UpstreamResponse<http.IncomingMessage>> {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => this.send(provider, request, reject, resolve));
    const status = response.statusCode ?? 502;
    if (status >= 300 && request.failure) throw request.failure(status, response.headers, await readBodyText(response));
    return { status, headers: response.headers, body: response };
  }

  /** Starts the request; `onResponse` gets the response once its headers are in, `reject` any failure before. */
  private send(provider: string, request: UpstreamRequest, reject: (error: Error) => void, onResponse: (response: http.IncomingMessage) => void): void {
    const target = this.target(request.url);
    if (!target) {
      reject(new UpstreamError(provider, 'connection', 502, `Upstream ${provider} has an invalid URL.`, { code: 'upstream_connection_error' }));
      return;
    }
    if (request.cancellation.cancelled) {
      reject(new RequestAbortedError('request aborted by the client'));
      return;
    }
    const transport = target.protocol === 'https:' ? https : http;
    let incoming: http.IncomingMessage | undefined;
    const outgoing = transport.request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, path: target.path, agent: this.proxies ? this.agentFor(target, request.proxyKey) : target.agent, method: request.method, headers: this.extraHeaders ? { ...this.extraHeaders, ...request.headers } : request.headers },
      (response) => {
        incoming = response;
        onResponse(response);
      },
    );
    const stop = (reason: Error) => {
      incoming?.destroy(reason);
      outgoing.destroy(reason);
      // A request still waiting for its proxy tunnel reports its end only once the tunnel is up or has failed.
      if (!outgoing.socket) reject(toTransportError(provider, reason, this.timeoutMs));
    };
    const watched: WatchedCall = { outgoing, bytesRead: -1, quietSince: Date.now(), stop, previous: undefined, next: undefined };
    this.watch(watched);
    const removeCancelHandler = request.cancellation.onCancel(() => stop(new RequestAbortedError('request aborted by the client')));
    // `on`, not `once`, for events of this one call that come at most once: `once` costs a wrapper per listener.
    outgoing.on('close', () => {
      removeCancelHandler();
      this.unwatch(watched);
    });
    outgoing.on('error', (error) => reject(toTransportError(provider, error, this.timeoutMs)));
    outgoing.end(request.body);
  }

  close(): void {
    clearInterval(this.watchdog);
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
    for (const agents of this.proxyAgents.values()) {
      agents['http:'].destroy();
      agents['https:'].destroy();
    }
  }
}

/** Largest error body read from a failed upstream call; its message is at the start. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Reads a response body as text, at most `limit` bytes (the rest is dropped and the connection closed), so a
 * misbehaving upstream cannot exhaust memory. A body that breaks off yields what arrived before the break.
 */
export async function readBodyText(body: Readable, limit = MAX_ERROR_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(buffer);
      size += buffer.length;
      if (size >= limit) break;
    }
  } catch {
    // a body cut short still says what it said so far
  } finally {
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Maps a transport failure (no HTTP response, or a broken one) to an UpstreamError; aborts stay aborts. */
export function toTransportError(provider: string, error: unknown, timeoutMs?: number): Error {
  if (error instanceof UpstreamError || error instanceof RequestAbortedError) return error;
  if (error instanceof Error && (error.name === 'AbortError' || (error as NodeJS.ErrnoException).code === 'ABORT_ERR')) {
    return new RequestAbortedError('request aborted by the client');
  }
  if (error instanceof ProxyError) {
    return new UpstreamError(provider, 'connection', 502, `Upstream ${provider} could not be reached: ${error.message}.`, { code: 'upstream_connection_error' });
  }
  if (error instanceof UpstreamTimeoutError) {
    const after = timeoutMs === undefined ? '' : ` after ${timeoutMs / 1000}s without an answer`;
    return new UpstreamError(provider, 'timeout', 504, `Upstream ${provider} timed out${after}.`, { code: 'upstream_timeout' });
  }
  const code = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
  return new UpstreamError(provider, 'connection', 502, `Upstream ${provider} is unreachable or broke the connection (${code}).`, {
    code: 'upstream_connection_error',
  });
}
