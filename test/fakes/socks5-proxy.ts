import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ProxyCredentials } from './connect-proxy.js';

/** One tunnel as the SOCKS5 server was asked for it: the address type says whether the name was resolved. */
export interface SocksTunnel {
  /** 'domain' when the client sent a name (socks5h), 'ipv4'/'ipv6' when it sent an address (socks5). */
  addressType: 'ipv4' | 'domain' | 'ipv6';
  host: string;
  port: number;
}

/**
 * A SOCKS5 server (RFC 1928, CONNECT only) with optional username/password authentication (RFC 1929), recording
 * each tunnel. A domain name is resolved by the server as a real one would (`localhost` → 127.0.0.1).
 */
export class FakeSocks5Proxy {
  readonly tunnels: SocksTunnel[] = [];
  connections = 0;
  authFailures = 0;
  /** Answers every CONNECT with this SOCKS5 reply code instead of tunnelling. */
  refuseWith: number | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: { credentials?: ProxyCredentials } = {}) {}

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  url(scheme: 'socks5' | 'socks5h' = 'socks5', credentials: ProxyCredentials | undefined = this.options.credentials): string {
    const auth = credentials ? `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@` : '';
    return `${scheme}://${auth}127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => {
      this.connections += 1;
      this.track(socket);
      void this.serve(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private async serve(client: Socket): Promise<void> {
    let buffered = Buffer.alloc(0);
    let wake: (() => void) | undefined;
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      wake?.();
    };
    client.on('data', onData);
    client.on('close', () => wake?.());
    const read = async (size: number): Promise<Buffer> => {
      while (buffered.length < size) {
        if (client.destroyed) throw new Error('client left');
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const bytes = buffered.subarray(0, size);
      buffered = buffered.subarray(size);
      return bytes;
    };
    try {
      const [, methodCount] = await read(2);
      const methods = [...(await read(methodCount!))];
      const expected = this.options.credentials;
      if (expected) {
        if (!methods.includes(2)) {
          this.authFailures += 1;
          client.end(Buffer.from([5, 0xff]));
          return;
        }
        client.write(Buffer.from([5, 2]));
        const [, userLength] = await read(2);
        const username = (await read(userLength!)).toString();
        const [passwordLength] = await read(1);
        const password = (await read(passwordLength!)).toString();
        if (username !== expected.username || password !== expected.password) {
          this.authFailures += 1;
          client.end(Buffer.from([1, 1]));
          return;
        }
        client.write(Buffer.from([1, 0]));
      } else {
        if (!methods.includes(0)) {
          client.end(Buffer.from([5, 0xff]));
          return;
        }
        client.write(Buffer.from([5, 0]));
      }
      const [, command, , type] = await read(4);
      let tunnel: SocksTunnel;
      if (type === 1) tunnel = { addressType: 'ipv4', host: [...(await read(4))].join('.'), port: 0 };
      else if (type === 3) {
        const [length] = await read(1);
        tunnel = { addressType: 'domain', host: (await read(length!)).toString(), port: 0 };
      } else {
        const bytes = await read(16);
        const groups: string[] = [];
        for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
        tunnel = { addressType: 'ipv6', host: groups.join(':'), port: 0 };
      }
      tunnel.port = (await read(2)).readUInt16BE(0);
      this.tunnels.push(tunnel);
      const reply = (code: number) => Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
      if (command !== 1) {
        client.end(reply(7));
        return;
      }
      if (this.refuseWith !== undefined) {
        client.end(reply(this.refuseWith));
        return;
      }
      const upstream = connect({ host: tunnel.host, port: tunnel.port }, () => {
        client.off('data', onData);
        client.write(reply(0));
        if (buffered.length > 0) upstream.write(buffered);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.track(upstream);
      upstream.on('error', () => client.end(reply(5)));
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    } catch {
      client.destroy();
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
