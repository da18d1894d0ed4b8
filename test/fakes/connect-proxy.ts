import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyCredentials {
  username: string;
  password: string;
}

/**
 * An HTTP proxy that only tunnels (CONNECT), over plain TCP or, given a certificate, over TLS (an https:// proxy).
 * It records every tunnel it was asked for and checks Basic proxy authentication when given credentials.
 */
export class FakeConnectProxy {
  /** host:port of each CONNECT, in order, including refused ones. */
  readonly tunnels: string[] = [];
  /** Connections accepted from clients (a reused keep-alive tunnel counts once). */
  connections = 0;
  authFailures = 0;
  /** Answers every CONNECT with this status instead of tunnelling. */
  refuseWith: number | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly options: { credentials?: ProxyCredentials; tls?: { key: string; cert: string } } = {}) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** The proxy's URL, with its credentials unless `credentials` says otherwise. */
  url(credentials: ProxyCredentials | undefined = this.options.credentials): string {
    const auth = credentials ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@` : '';
    return `${this.options.tls ? 'https' : 'http'}://${auth}127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = this.options.tls ? createHttpsServer(this.options.tls) : createHttpServer();
    server.on(this.options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connections += 1;
      this.track(socket);
    });
    server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => this.tunnel(request, client, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
  }

  private track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private tunnel(request: IncomingMessage, client: Duplex, head: Buffer): void {
    const authority = request.url ?? '';
    this.tunnels.push(authority);
    const expected = this.options.credentials;
    if (expected) {
      const basic = `Basic ${Buffer.from(`${expected.username}:${expected.password}`).toString('base64')}`;
      if (request.headers['proxy-authorization'] !== basic) {
        this.authFailures += 1;
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="fake"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
    }
    if (this.refuseWith !== undefined) {
      client.end(`HTTP/1.1 ${this.refuseWith} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
    if (!match) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect({ host: match[1]!, port: Number(match[2]) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.track(upstream);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
