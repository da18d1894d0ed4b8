import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { CancellationSource } from '../../src/core/cancellation.js';
import { UpstreamError } from '../../src/core/errors.js';
import { readBodyText, toTransportError, UpstreamHttp } from '../../src/upstream/http-client.js';

/** A fake upstream on loopback; `stop` closes it and the client's connections to it. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; stop: (http: UpstreamHttp) => void }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = (http: UpstreamHttp) => {
    http.close();
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`, stop };
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

test('a stream whose chunks keep coming outlives the timeout; one that falls silent is stopped as a timeout', async (t) => {
  const { url, stop } = await serve((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const silent = request.url!.includes('silent');
    let sent = 0;
    const tick = setInterval(() => {
      response.write(`data: ${sent}\n\n`);
      sent += 1;
      if (silent && sent === 1) clearInterval(tick);
      if (sent === 8) {
        clearInterval(tick);
        response.end();
      }
    }, 100);
  });
  const http = new UpstreamHttp(400);
  const steady = await http.stream('fake', call(url));
  const started = Date.now();
  const text = await readBodyText(steady.body);
  t.true(Date.now() - started > 500, 'the stream lasted longer than the timeout');
  t.is(text, Array.from({ length: 8 }, (_, index) => `data: ${index}\n\n`).join(''));

  const silent = await http.stream('fake', call(`${url}?silent`));
  const failure = await new Promise<unknown>((resolve) => {
    silent.body.on('data', () => undefined);
    silent.body.once('error', resolve);
    silent.body.once('end', () => resolve(undefined));
  });
  const mapped = toTransportError('fake', failure, 400);
  t.true(mapped instanceof UpstreamError);
  t.is((mapped as UpstreamError).code, 'upstream_timeout');
  stop(http);
});

test('calls that end are no longer watched: a later quiet spell on the kept-alive connection stops nothing', async (t) => {
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
