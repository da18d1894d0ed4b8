import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { freePort } from '../helpers/redis.js';
import { tickingStream } from '../helpers/ticking-stream.js';
import { waitFor } from '../helpers/wait.js';
import { CancellationSource } from '../../src/core/cancellation.js';
import { RequestAbortedError, UpstreamError } from '../../src/core/errors.js';
import { MAX_ERROR_BODY_BYTES, readBodyText, toTransportError, UpstreamHttp } from '../../src/upstream/http-client.js';

/** A fake upstream on loopback; `stop` closes it and the client's connections to it; `connections` counts them. */
async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; stop: (http: UpstreamHttp) => void; connections: () => number }> {
  const server = createServer(handler);
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = (http: UpstreamHttp) => {
    http.close();
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, stop, connections: () => connections };
}

const call = (url: string) => ({ method: 'POST' as const, url, headers: { 'content-type': 'application/json' }, body: '{}', cancellation: new CancellationSource() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an upstream that never answers is stopped after the timeout with a 504', async (t) => {
  const { url, stop } = await serve(() => undefined);
  const http = new UpstreamHttp(300);
  const started = Date.now();
  const error = await t.throwsAsync(http.request('fake', call(url)), { instanceOf: UpstreamError });
  const elapsed = Date.now() - started;
  t.is(error.status, 504);
  t.is(error.code, 'upstream_timeout');
  t.true(elapsed >= 300 && elapsed < 1500, `stopped after ${elapsed} ms`);
  stop(http);
});

/** Reads a body to its end: resolves with the error that stopped it, or 'ended'. */
async function readToEnd(body: AsyncIterable<Buffer>): Promise<unknown> {
  try {
    for await (const chunk of body) void chunk;
    return 'ended';
  } catch (error) {
    return error;
  }
}

test('a stream whose chunks keep coming outlives the timeout; one that falls silent is stopped as a timeout', async (t) => {
  const { url, stop } = await serve(tickingStream);
  const http = new UpstreamHttp(400);
  const steady = await http.stream('fake', call(url));
  const started = Date.now();
  const text = await readBodyText(steady.body);
  t.true(Date.now() - started > 500, 'the stream lasted longer than the timeout');
  t.is(text, Array.from({ length: 8 }, (_, index) => `data: ${index}\n\n`).join(''));

  const silent = await http.stream('fake', call(`${url}?silent`));
  const failure = await readToEnd(silent.body);
  const mapped = toTransportError('fake', failure, 400);
  t.true(mapped instanceof UpstreamError);
  t.is((mapped as UpstreamError).code, 'upstream_timeout');
  stop(http);
});

test('a call that ended leaves no timer behind: a later quiet spell on the kept-alive connection stops nothing', async (t) => {
  const { url, stop } = await serve((request, response) => {
    request.resume();
    request.on('end', () => response.end('{"ok":true}'));
  });
  const http = new UpstreamHttp(200);
  for (let index = 0; index < 20; index++) t.is((await http.request('fake', call(url))).body, '{"ok":true}');
  await sleep(500);
  t.is((await http.request('fake', call(url))).body, '{"ok":true}', 'the idle connection was not torn down as a timeout');
  stop(http);
});

/** Answers every request with `status`, a Retry-After header and `body`, once the request body is in. */
const answer = (status: number, body: string) => (request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7' });
    response.end(body);
  });
};

/** A failure reader as a provider writes one, keeping what it was given. */
function failureReader() {
  const seen: { status: number; retryAfter: unknown; body: string }[] = [];
  const failure = (status: number, headers: IncomingMessage['headers'], body: string) => {
    seen.push({ status, retryAfter: headers['retry-after'], body });
    return new UpstreamError('fake', 'http', status, `fake said ${status}`);
  };
  return { seen, failure };
}

test('an error answer goes through the failure reader, whole, with its status and headers; without one it is returned', async (t) => {
  const body = '{"error":{"message":"slow down","code":"rate_limit_exceeded"}}';
  const { url, stop } = await serve(answer(429, body));
  const http = new UpstreamHttp(2000);
  const { seen, failure } = failureReader();
  const thrown = await t.throwsAsync(http.request('fake', { ...call(url), failure }), { instanceOf: UpstreamError });
  t.is(thrown.message, 'fake said 429');
  t.deepEqual(seen, [{ status: 429, retryAfter: '7', body }]);

  const streamed = await t.throwsAsync(http.stream('fake', { ...call(url), failure }), { instanceOf: UpstreamError });
  t.is(streamed.status, 429);
  t.deepEqual(seen[1], { status: 429, retryAfter: '7', body }, 'a stream reads the error body before the reader sees it');

  const returned = await http.request('fake', call(url));
  t.is(returned.status, 429);
  t.is(returned.body, body);
  t.is(seen.length, 2);
  stop(http);
});

test('a streamed error body is read up to the size limit, not to its end', async (t) => {
  const huge = `{"error":{"message":"${'x'.repeat(4 * MAX_ERROR_BODY_BYTES)}"}}`;
  const { url, stop } = await serve(answer(500, huge));
  const http = new UpstreamHttp(2000);
  const { seen, failure } = failureReader();
  await t.throwsAsync(http.stream('fake', { ...call(url), failure }), { instanceOf: UpstreamError });
  const read = seen[0]!.body.length;
  t.true(read >= MAX_ERROR_BODY_BYTES && read < 2 * MAX_ERROR_BODY_BYTES, `read ${read} bytes`);
  t.true(huge.startsWith(seen[0]!.body), 'what was read is the start of the body');
  stop(http);
});

test('transport failures are 502 connection errors: nothing listening, a connection broken mid-answer, a bad URL', async (t) => {
  const http = new UpstreamHttp(2000);
  t.teardown(() => http.close());
  const refused = await t.throwsAsync(http.request('fake', call(`http://127.0.0.1:${await freePort()}/v1/models`)), { instanceOf: UpstreamError });
  t.like(refused, { status: 502, kind: 'connection', code: 'upstream_connection_error', message: 'Upstream fake is unreachable or broke the connection (ECONNREFUSED).' });

  const { url, stop } = await serve((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    response.write('{"partial":');
    setTimeout(() => response.socket?.destroy(), 50);
  });
  const broken = await t.throwsAsync(http.request('fake', call(url)), { instanceOf: UpstreamError });
  t.like(broken, { status: 502, kind: 'connection', code: 'upstream_connection_error' });
  stop(http);

  const invalid = await t.throwsAsync(new UpstreamHttp(2000).request('fake', call('ftp://example.com/x')), { instanceOf: UpstreamError });
  t.like(invalid, { status: 502, message: 'Upstream fake has an invalid URL.' });
});

test('cancelling stops the call: before it starts nothing is sent; while waiting or streaming the upstream sees the client leave', async (t) => {
  let received = 0;
  let closedEarly = 0;
  const { url, stop } = await serve((request, response) => {
    received += 1;
    request.resume();
    response.on('close', () => {
      if (!response.writableFinished) closedEarly += 1;
    });
    if (request.url!.includes('stream')) {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: 1\n\n');
    }
  });
  const http = new UpstreamHttp(5000);

  const before = new CancellationSource();
  before.cancel();
  await t.throwsAsync(http.request('fake', { ...call(url), cancellation: before }), { instanceOf: RequestAbortedError });
  t.is(received, 0);

  const waiting = call(url);
  const pending = http.request('fake', waiting);
  await waitFor(() => received === 1, 'the request reaching the upstream');
  waiting.cancellation.cancel();
  await t.throwsAsync(pending, { instanceOf: RequestAbortedError });
  await waitFor(() => closedEarly === 1, 'the upstream seeing the waiting call go');

  const streaming = call(`${url}?stream`);
  const response = await http.stream('fake', streaming);
  const ended = readToEnd(response.body);
  streaming.cancellation.cancel();
  t.true((await ended) instanceof RequestAbortedError, 'the reader of the body sees why it stopped');
  await waitFor(() => closedEarly === 2, 'the upstream seeing the stream go');
  stop(http);
});

test('connections are kept alive and reused: sequential calls share one, concurrent calls then reuse theirs', async (t) => {
  const { url, stop, connections } = await serve(answer(200, '{"ok":true}'));
  const http = new UpstreamHttp(2000);
  // A connection is handed the next call one turn of the event loop after its answer ended (undici makes sure the
  // server did not close it meanwhile): calls spaced by that turn share one connection.
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (let index = 0; index < 10; index++) {
    t.is((await http.request('fake', call(url))).body, '{"ok":true}');
    await turn();
  }
  t.is(connections(), 1);
  await Promise.all(Array.from({ length: 4 }, () => http.request('fake', call(url))));
  t.is(connections(), 4, 'the idle connection is reused, three more are opened');
  await turn();
  for (let index = 0; index < 10; index++) await http.request('fake', call(url));
  await turn();
  await Promise.all(Array.from({ length: 4 }, () => http.request('fake', call(url))));
  t.is(connections(), 4, 'no new connection once the pool has enough, back-to-back calls included');
  stop(http);
});

test('a streamed body is read at the reader\'s pace: undici stops taking bytes while many wait unread, and none are lost', async (t) => {
  const piece = Buffer.alloc(64 * 1024, 'x');
  const pieces = 512; // 32 MB, far more than loopback's socket buffers hold
  let flushed = 0;
  const { url, stop } = await serve((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    const more = () => {
      while (sent < pieces) {
        sent += 1;
        const last = sent === pieces;
        const accepted = response.write(piece, () => (flushed += piece.length));
        if (last) response.end();
        if (!accepted) return void response.once('drain', more);
      }
    };
    more();
  });
  const http = new UpstreamHttp(5000);
  const answer = await http.stream('fake', call(url));
  const iterator = answer.body[Symbol.asyncIterator]();
  let received = (await iterator.next()).value!.length;
  await sleep(300);
  t.true(flushed < (pieces * piece.length) / 2, `the upstream could write only so much ahead of the reader (${flushed} bytes)`);
  for (let read = await iterator.next(); !read.done; read = await iterator.next()) received += read.value.length;
  t.is(received, pieces * piece.length);
  t.true(answer.body.readableEnded);
  stop(http);
});

test('a stream read to its answer\'s end, with its rest left unread, gives its connection back for the next call', async (t) => {
  const { url, stop, connections } = await serve((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: {"a":1}\n\n');
    setTimeout(() => response.end('data: [DONE]\n\n'), 20);
  });
  const http = new UpstreamHttp(2000);
  for (let index = 0; index < 3; index++) {
    const answer = await http.stream('fake', call(url));
    const first = await answer.body.next();
    t.is(first.value?.toString(), 'data: {"a":1}\n\n');
    // The reader has what it needs; the rest (the end marker) arrives unread.
    answer.body.resume();
    await waitFor(() => answer.body.readableEnded, 'the answer ending');
    t.false(answer.body.destroyed);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.is(connections(), 1, 'one connection served the three streams');
  stop(http);
});

test('connections are pooled per origin, and past a hundred origins the oldest pool is closed and made anew when needed', async (t) => {
  const upstreams = await Promise.all(Array.from({ length: 101 }, () => serve(answer(200, '{}'))));
  const http = new UpstreamHttp(5000);
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const [first, ...others] = upstreams;
  try {
    for (let index = 0; index < 2; index++) {
      await http.text('fake', call(first!.url));
      await turn();
    }
    t.is(first!.connections(), 1, 'one kept-alive connection serves both calls');
    for (const upstream of others) await http.text('fake', call(upstream.url));
    t.is(await http.text('fake', call(first!.url)), '{}');
    t.is(first!.connections(), 2, 'the first origin\'s pool was closed for the hundred-and-first, and a new one connected');
  } finally {
    for (const upstream of upstreams) upstream.stop(http);
  }
});

test('a closed client opens no connection: a call made after close fails at once as a connection error', async (t) => {
  const { url, stop, connections } = await serve(answer(200, '{}'));
  const http = new UpstreamHttp(5000);
  http.close();
  const error = await t.throwsAsync(http.text('fake', call(url)), { instanceOf: UpstreamError });
  t.is(error.status, 502);
  t.is(error.code, 'upstream_connection_error');
  t.is(connections(), 0);
  stop(http);
});
