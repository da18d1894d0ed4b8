import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { buildConnector } from 'undici';
import type { ProxyEndpoint } from './selection.js';

/** A proxy that cannot be reached, refuses the tunnel or breaks the handshake; the message names it by host:port only. */
export class ProxyError extends Error {
  override name = 'ProxyError';
}

/** A proxy, or TLS to the target through it, still not through its handshake after TIME_OUT. */
export class ProxyTimeoutError extends ProxyError {
  override name = 'ProxyTimeoutError';
}

/** Bytes read off a socket during a handshake, handed out as the handshake asks for them. */
class HandshakeReader {
  private buffered: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly proxy: ProxyEndpoint,
  ) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.wake?.();
  };

  private readonly onError = (error: Error) => {
    const code = (error as NodeJS.ErrnoException).code ?? error.message;
    this.failure ??= error instanceof ProxyError ? error : new ProxyError(`proxy ${this.proxy.label} is unreachable or broke the connection (${code})`);
    this.wake?.();
  };

  private readonly onClose = () => {
    this.failure ??= new ProxyError(`proxy ${this.proxy.label} closed the connection during the handshake`);
    this.wake?.();
  };

  /** Resolves with the first bytes once `size(buffered)` says how many make the answer (0: not known yet). */
  async read(size: (buffered: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const wanted = this.buffered.length === 0 ? 0 : size(this.buffered);
      if (wanted > 0 && this.buffered.length >= wanted) {
        const answer = this.buffered.subarray(0, wanted);
        this.buffered = this.buffered.subarray(wanted);
        return answer;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  /** Stops reading; bytes that came after the handshake go back to the socket for its next reader. */
  finish(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.socket.pause();
    if (this.buffered.length > 0) this.socket.unshift(this.buffered);
  }
}

const hostForUrl = (host: string) => (net.isIP(host) === 6 ? `[${host}]` : host);

async function httpConnect(socket: Duplex, reader: HandshakeReader, proxy: ProxyEndpoint, host: string, port: number): Promise<void> {
  const authority = `${hostForUrl(host)}:${port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.username !== undefined || proxy.password !== undefined) {
    head += `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username ?? ''}:${proxy.password ?? ''}`).toString('base64')}\r\n`;
  }
  socket.write(`${head}\r\n`);
  const answer = await reader.read((buffered) => {
    const end = buffered.indexOf('\r\n\r\n');
    if (end >= 0) return end + 4;
    if (buffered.length > 16 * 1024) throw new ProxyError(`proxy ${proxy.label} sent an oversized answer to CONNECT`);
    return 0;
  });
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer.toString('latin1'));
  if (!status) throw new ProxyError(`proxy ${proxy.label} did not answer CONNECT in HTTP`);
  const code = Number(status[1]);
  if (code < 200 || code > 299) throw new ProxyError(`proxy ${proxy.label} refused the tunnel to ${authority} (HTTP ${code})`);
}

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** RFC 1928 CONNECT, with RFC 1929 username/password when the proxy URL has them. */
async function socks5Connect(socket: Duplex, reader: HandshakeReader, proxy: ProxyEndpoint, host: string, port: number): Promise<void> {
  const withAuth = proxy.username !== undefined || proxy.password !== undefined;
  socket.write(Buffer.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
  const [version, method] = await reader.read(() => 2);
  if (version !== 5) throw new ProxyError(`proxy ${proxy.label} does not speak SOCKS5`);
  if (method === 2 && withAuth) {
    const user = Buffer.from(proxy.username ?? '');
    const password = Buffer.from(proxy.password ?? '');
    if (user.length > 255 || password.length > 255) throw new ProxyError(`proxy ${proxy.label}: username or password longer than 255 bytes`);
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([password.length]), password]));
    const [, status] = await reader.read(() => 2);
    if (status !== 0) throw new ProxyError(`proxy ${proxy.label} refused the username and password`);
  } else if (method !== 0) {
    throw new ProxyError(`proxy ${proxy.label} accepts none of the offered SOCKS5 authentication methods`);
  }
  let address: Buffer;
  let target = host;
  // socks5 resolves the name here, socks5h leaves it to the proxy.
  if (proxy.protocol === 'socks5:' && net.isIP(host) === 0) {
    try {
      target = (await lookup(host)).address;
    } catch {
      throw new ProxyError(`cannot resolve ${host} for proxy ${proxy.label}`);
    }
  }
  const family = net.isIP(target);
  if (family === 4) address = Buffer.from([1, ...target.split('.').map(Number)]);
  else if (family === 6) address = Buffer.concat([Buffer.from([4]), ipv6Bytes(target)]);
  else {
    const name = Buffer.from(target);
    address = Buffer.concat([Buffer.from([3, name.length]), name]);
  }
  socket.write(Buffer.concat([Buffer.from([5, 1, 0]), address, Buffer.from([port >> 8, port & 0xff])]));
  const reply = await reader.read((buffered) => {
    if (buffered.length < 5) return 0;
    const type = buffered[3];
    if (type === 1) return 10;
    if (type === 4) return 22;
    if (type === 3) return 7 + buffered[4]!;
    return buffered.length;
  });
  if (reply[0] !== 5) throw new ProxyError(`proxy ${proxy.label} does not speak SOCKS5`);
  const code = reply[1]!;
  if (code !== 0) {
    throw new ProxyError(`proxy ${proxy.label} refused the tunnel to ${hostForUrl(host)}:${port} (SOCKS5 reply ${code}: ${SOCKS_REPLIES[code] ?? 'unknown'})`);
  }
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parts = (text: string) => (text === '' ? [] : text.split(':'));
  const groups = [...parts(head)];
  const back = parts(tail);
  if (address.includes('::')) while (groups.length + back.length < 8) groups.push('0');
  groups.push(...back);
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(Number.parseInt(group, 16), index * 2));
  return bytes;
}

interface TunnelOptions {
  /** Extra certificates to trust, for TLS to an https:// proxy and to the target. */
  ca: string | Buffer | undefined;
  /** TIME_OUT: a handshake still unfinished after that is given up. */
  timeoutMs: number;
}

/** Opens a tunnel through `proxy` to host:port: a socket that speaks to the target as if connected directly. */
async function openTunnel(proxy: ProxyEndpoint, host: string, port: number, options: TunnelOptions): Promise<net.Socket> {
  const socket: net.Socket =
    proxy.protocol === 'https:'
      ? tls.connect({ host: proxy.host, port: proxy.port, servername: net.isIP(proxy.host) ? undefined : proxy.host, ca: options.ca })
      : net.connect({ host: proxy.host, port: proxy.port });
  socket.setNoDelay(true);
  socket.setTimeout(options.timeoutMs, () => socket.destroy(new ProxyTimeoutError(`proxy ${proxy.label} did not complete the handshake in time`)));
  const reader = new HandshakeReader(socket, proxy);
  try {
    if (proxy.protocol === 'http:' || proxy.protocol === 'https:') await httpConnect(socket, reader, proxy, host, port);
    else await socks5Connect(socket, reader, proxy, host, port);
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    reader.finish();
  }
  socket.setTimeout(0);
  return socket;
}

/**
 * An undici connector whose connections are tunnels through one proxy: the tunnel is opened, then TLS to the
 * target is spoken through it for an https:// target, and the socket is handed over once it is ready.
 */
export function tunnelConnector(proxy: ProxyEndpoint, options: TunnelOptions): buildConnector.connector {
  return (target, callback) => {
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const secure = target.protocol === 'https:';
    const port = Number(target.port || (secure ? 443 : 80));
    openTunnel(proxy, host, port, options).then(
      (tunnel) => {
        if (!secure) {
          callback(null, tunnel);
          return;
        }
        const socket = tls.connect({ socket: tunnel, servername: target.servername ?? (net.isIP(host) ? undefined : host), ca: options.ca, ALPNProtocols: ['http/1.1'] });
        const failed = (error: Error) => {
          socket.destroy();
          callback(error, null);
        };
        socket.once('error', failed);
        socket.setTimeout(options.timeoutMs, () => failed(new ProxyTimeoutError(`TLS to ${host} through proxy ${proxy.label} did not complete in time`)));
        socket.once('secureConnect', () => {
          socket.off('error', failed);
          socket.setTimeout(0);
          callback(null, socket);
        });
      },
      (error: unknown) => callback(error instanceof Error ? error : new ProxyError(String(error)), null),
    );
  };
}
