import { isIP } from 'node:net';

export type ProxyProtocol = 'http:' | 'https:' | 'socks5:' | 'socks5h:';

/** An outbound proxy, parsed once. `label` (host:port) is the only part of it that errors and logs may show. */
export interface ProxyEndpoint {
  /** The URL as configured: the cache key of its connections. Holds the password: never show it. */
  href: string;
  protocol: ProxyProtocol;
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  label: string;
}

const DEFAULT_PORTS: Record<ProxyProtocol, number> = { 'http:': 80, 'https:': 443, 'socks5:': 1080, 'socks5h:': 1080 };

/** Parses a proxy URL; one without a scheme is an http:// proxy, as curl reads it. Throws on anything else. */
export function parseProxyUrl(text: string): ProxyEndpoint {
  const value = text.trim();
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  const protocol = url.protocol as ProxyProtocol;
  if (!(protocol in DEFAULT_PORTS) || url.hostname === '') throw new Error('expected an http://, https://, socks5:// or socks5h:// URL');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port);
  return {
    href: value,
    protocol,
    host,
    port,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    label: `${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
  };
}

interface NoProxyEntry {
  /** Lower case, without a leading dot or brackets; '*' matches every host. */
  host: string;
  port: number | undefined;
}

function parseNoProxyEntry(item: string): NoProxyEntry {
  let text = item.trim().toLowerCase();
  let port: number | undefined;
  const bracketed = /^\[(.*)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    text = bracketed[1]!;
    port = bracketed[2] === undefined ? undefined : Number(bracketed[2]);
  } else if (isIP(text) !== 6) {
    const withPort = /^(.*):(\d+)$/.exec(text);
    if (withPort) {
      text = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  return { host: text.replace(/^\*?\./, ''), port };
}

/**
 * NO_PROXY as curl documents it: comma-separated names, each matching the host itself and every host under it
 * (`example.com` and `.example.com` both match `example.com` and `api.example.com`, not `myexample.com`), IP
 * literals matching only themselves, `*` matching everything. Loopback is not excluded unless listed. Like Go, an
 * entry may carry a port (`host:8080`), then it matches that port only.
 */
export class NoProxy {
  private readonly entries: NoProxyEntry[];
  private readonly all: boolean;

  constructor(list: readonly string[]) {
    this.entries = list.filter((item) => item.trim() !== '').map(parseNoProxyEntry);
    this.all = this.entries.some((entry) => entry.host === '*' && entry.port === undefined);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** True when calls to `host:port` go direct. `host` is lower case, without brackets. */
  excludes(host: string, port: number): boolean {
    if (this.all) return true;
    const ip = isIP(host) !== 0;
    for (const entry of this.entries) {
      if (entry.port !== undefined && entry.port !== port) continue;
      if (entry.host === host) return true;
      if (!ip && host.endsWith(entry.host) && host.charCodeAt(host.length - entry.host.length - 1) === 46 /* . */) return true;
    }
    return false;
  }
}

/** The environment's proxy settings, as `GatewayConfig.proxies` holds them. */
export interface ProxySettings {
  httpProxy: string | undefined;
  httpsProxy: string | undefined;
  noProxy: readonly string[];
  /** gemini-balance's PROXIES. */
  pool: readonly string[];
  /** gemini-balance's PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: a key always takes the same proxy of the pool. */
  consistentByKey: boolean;
}

/** FNV-1a: a stable hash, the same in every gateway instance (Python's salted hash() is not). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Which proxy, if any, a call goes through. In order: the upstream's own proxy (the config file's
 * `upstreams.<name>.proxy`, for every call to it, NO_PROXY notwithstanding); then, for hosts NO_PROXY does not
 * exclude, PROXIES (by the key's hash, or at random as gemini-balance does); then HTTPS_PROXY for https:// and
 * HTTP_PROXY for http:// targets.
 */
export class ProxySelector {
  private readonly fixed: ProxyEndpoint | undefined;
  private readonly pool: ProxyEndpoint[];
  private readonly consistentByKey: boolean;
  private readonly byProtocol: Record<'http:' | 'https:', ProxyEndpoint | undefined>;
  private readonly noProxy: NoProxy;

  constructor(settings: ProxySettings | undefined, upstreamProxy?: string) {
    this.fixed = upstreamProxy === undefined ? undefined : parseProxyUrl(upstreamProxy);
    this.pool = (settings?.pool ?? []).map(parseProxyUrl);
    this.consistentByKey = settings?.consistentByKey ?? true;
    this.byProtocol = {
      'http:': settings?.httpProxy === undefined ? undefined : parseProxyUrl(settings.httpProxy),
      'https:': settings?.httpsProxy === undefined ? undefined : parseProxyUrl(settings.httpsProxy),
    };
    this.noProxy = new NoProxy(settings?.noProxy ?? []);
  }

  /** True when no call ever goes through a proxy: the client skips choosing. */
  get none(): boolean {
    return this.fixed === undefined && this.pool.length === 0 && this.byProtocol['http:'] === undefined && this.byProtocol['https:'] === undefined;
  }

  choose(protocol: 'http:' | 'https:', host: string, port: number, proxyKey: string | undefined): ProxyEndpoint | undefined {
    if (this.fixed) return this.fixed;
    if (!this.noProxy.empty && this.noProxy.excludes(host.toLowerCase(), port)) return undefined;
    if (this.pool.length > 0) {
      if (this.pool.length === 1) return this.pool[0];
      const index = this.consistentByKey && proxyKey !== undefined ? fnv1a(proxyKey) % this.pool.length : Math.floor(Math.random() * this.pool.length);
      return this.pool[index];
    }
    return this.byProtocol[protocol];
  }
}
