import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it reached a fake upstream, before the fake decides how to answer it. */
export interface IncomingCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  rawBody: string;
  /** The body's bytes as they came (a multipart upload). */
  rawBytes: Buffer;
  /** The body when it is a JSON object; undefined when empty, not JSON, or JSON of another kind. */
  body: Record<string, unknown> | undefined;
  /** A body was sent but it is not a JSON object. */
  bodyIsInvalid: boolean;
}

/**
 * What every fake upstream shares: a loopback server on a free port, each request recorded (and the ones whose
 * client left before the answer was complete), so tests can assert what the gateway sent and when it gave up.
 * Subclasses say how a request is recorded and how it is answered, in their provider's exact protocol.
 */
export abstract class FakeServer<Recorded> {
  readonly requests: Recorded[] = [];
  /** Requests whose connection the client (the gateway) closed before the response was complete. */
  readonly aborted: Recorded[] = [];
  /** `http://127.0.0.1:<port>` */
  origin = '';
  private server: Server | undefined;
  private abortWaiters: (() => void)[] = [];

  /** How failures name this fake: "the fake Ollama". */
  protected abstract readonly description: string;
  protected abstract record(call: IncomingCall): Recorded;
  protected abstract respond(recorded: Recorded, call: IncomingCall): Promise<void> | void;
  /** Runs once the server listens, to set the URLs a client configures. */
  protected started(): void {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.started();
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Resolves when the next (or an already recorded) client abort happens. */
  waitForAbort(): Promise<void> {
    if (this.aborted.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.abortWaiters.push(resolve));
  }

  get last(): Recorded {
    const request = this.requests.at(-1);
    if (request === undefined) throw new Error(`${this.description} has received no request`);
    return request;
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const rawBody = rawBytes.toString('utf8');
    let body: Record<string, unknown> | undefined;
    let bodyIsInvalid = false;
    if (rawBody !== '') {
      try {
        const parsed: unknown = JSON.parse(rawBody);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        else bodyIsInvalid = true;
      } catch {
        bodyIsInvalid = true;
      }
    }
    const call: IncomingCall = { req, res, url: new URL(req.url ?? '/', 'http://fake'), rawBody, rawBytes, body, bodyIsInvalid };
    const recorded = this.record(call);
    this.requests.push(recorded);
    res.on('close', () => {
      if (res.writableFinished) return;
      this.aborted.push(recorded);
      for (const resolve of this.abortWaiters.splice(0)) resolve();
    });
    try {
      await this.respond(recorded, call);
    } catch (error) {
      // A bug in a fake must fail the test that hit it, not hang it.
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${this.description} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** How a scripted stream misbehaves; each fake maps its own, protocol-worded controls onto this. */
export interface StreamScript {
  /** Delay before each frame after the first. */
  delayMs?: number;
  /** After this many frames the connection is destroyed (a mid-stream failure). */
  failAfter?: number;
  /** After this many frames the protocol's in-band error frame is sent and the body ends. */
  errorAfter?: number;
  /** After this many frames the body ends cleanly but early. */
  endAfter?: number;
  /** After this many frames the stream stays open and silent. */
  hangAfter?: number;
  /** Each frame is written in pieces of this many bytes (splits may fall inside a character). */
  splitEvery?: number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes a stream's already-framed events as `script` asks, then `endings.done`. Each write is handed to the
 * socket before the next, so a later failure cannot swallow it. The caller writes the response head first.
 */
export async function writeScriptedStream(res: ServerResponse, frames: readonly string[], script: StreamScript, endings: { error: string; done: string }): Promise<void> {
  const write = (bytes: Buffer) => new Promise<void>((resolve) => res.write(bytes, () => resolve()));
  for (const [index, frame] of frames.entries()) {
    if (index > 0 && script.delayMs) await sleep(script.delayMs);
    if (res.destroyed) return;
    if (script.failAfter === index) {
      res.destroy();
      return;
    }
    if (script.errorAfter === index) {
      res.end(endings.error);
      return;
    }
    if (script.endAfter === index) {
      res.end();
      return;
    }
    if (script.hangAfter === index) return;
    const bytes = Buffer.from(frame, 'utf8');
    const size = script.splitEvery ?? bytes.length;
    for (let offset = 0; offset < bytes.length; offset += size) {
      await write(bytes.subarray(offset, offset + size));
      if (script.splitEvery) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  res.end(endings.done);
}
