import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the next model call (the next POST) meets instead of the fake upstream's own answer. Every other request,
 * and every call once the fault has been used, goes through to the fake unchanged.
 */
export type InjectedFault =
  /** The proxy answers itself: a status, headers and a body in the provider's own words. */
  | { kind: 'answer'; status: number; contentType: string; body: string; headers?: Record<string, string> }
  /** The connection is destroyed before any byte of an answer. */
  | { kind: 'reset-before-headers' }
  /** The upstream's status and headers go out, then the connection is destroyed. */
  | { kind: 'reset-after-headers' }
  /** Nothing is ever sent; the connection stays open. */
  | { kind: 'stall-before-headers' }
  /**
   * The upstream's answer goes out up to the end of the first frame holding `marker` (`frameEnd` closes a frame),
   * then: the connection is destroyed, the answer stays open and silent, or half of the next frame is sent and
   * the body ends cleanly.
   */
  | { kind: 'cut-stream'; marker: string; frameEnd: string; then: 'destroy' | 'stall' | 'end-mid-frame' }
  /** Half of the upstream's JSON body, then the connection is destroyed or the body ends cleanly. */
  | { kind: 'cut-body'; then: 'destroy' | 'end' };

/**
 * A loopback HTTP proxy in front of a fake upstream that injects one fault into the next model call: the fault
 * matrix's way of breaking an upstream at the wire, whatever protocol it speaks. It can also stop listening (a
 * refused connection) and listen again on the same port.
 */
export class FaultProxy {
  origin = '';
  private server: Server | undefined;
  private port = 0;
  private armed: InjectedFault | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    await this.listen(0);
    this.origin = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** The next POST meets `fault`. */
  arm(fault: InjectedFault): void {
    this.armed = fault;
  }

  /** Stops listening and drops every connection: calls now meet a refused connection. */
  async refuse(): Promise<void> {
    await this.stop();
  }

  /** Listens again on the same port. */
  async reopen(): Promise<void> {
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = req.method === 'POST' ? this.armed : undefined;
    if (fault) this.armed = undefined;
    switch (fault?.kind) {
      case 'answer':
        res.writeHead(fault.status, { 'content-type': fault.contentType, ...fault.headers });
        res.end(fault.body);
        return;
      case 'reset-before-headers':
        req.socket.destroy();
        return;
      case 'stall-before-headers':
        return;
      default:
        break;
    }
    const upstream = await this.forward(req, Buffer.concat(chunks));
    const headers = { ...upstream.headers };
    if (fault?.kind === 'cut-body' || fault?.kind === 'cut-stream') delete headers['content-length'];
    res.writeHead(upstream.statusCode ?? 502, headers);
    if (fault === undefined) {
      upstream.pipe(res);
      return;
    }
    if (fault.kind === 'reset-after-headers') {
      res.flushHeaders();
      upstream.destroy();
      setTimeout(() => res.destroy(), 20);
      return;
    }
    const body = await readAll(upstream);
    if (fault.kind === 'cut-body') {
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      if (fault.then === 'end') res.end();
      else setTimeout(() => res.destroy(), 20);
      return;
    }
    const text = body.toString('utf8');
    const markerAt = text.indexOf(fault.marker);
    if (markerAt < 0) throw new Error(`the fault proxy found no "${fault.marker}" in the upstream's answer`);
    const cut = text.indexOf(fault.frameEnd, markerAt) + fault.frameEnd.length;
    res.write(text.slice(0, cut));
    // Time for the gateway to pass the frame on before the fault, so the client has had a first byte.
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (fault.then === 'destroy') res.destroy();
    else if (fault.then === 'end-mid-frame') {
      const next = text.slice(cut, text.indexOf(fault.frameEnd, cut));
      res.end(next.slice(0, Math.max(1, Math.floor(next.length / 2))));
    }
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(`${this.target}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(this.target).host } }, resolve);
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
