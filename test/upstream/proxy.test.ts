import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { FakeConnectProxy } from '../fakes/connect-proxy.js';
import { FakeSocks5Proxy } from '../fakes/socks5-proxy.js';
import { freePort } from '../helpers/redis.js';
import { tickingStream } from '../helpers/ticking-stream.js';
import { waitFor } from '../helpers/wait.js';
import { CancellationSource } from '../../src/core/cancellation.js';
import { RequestAbortedError, UpstreamError } from '../../src/core/errors.js';
import { readBodyText, UpstreamHttp } from '../../src/upstream/http-client.js';
import { NoProxy, ProxySelector, type ProxySettings } from '../../src/upstream/proxy/selection.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url)), 'utf8');
const TLS = { key: fixture('localhost-key.pem'), cert: fixture('localhost-cert.pem') };
const PROXY_USER = { username: 'proxy-user', password: 'pr0xy-s3cret-pw' };

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Answers every request with what it saw; `close` makes each answer end its connection. */
const echo =
  (close = false): Handler =>
  (request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) });
      response.end(JSON.stringify({ path: request.url, host: request.headers.host }));
    });
  };

/** A loopback upstream, plain or TLS, on `address`; stopped with the test. */
async function upstream(t: { teardown(fn: () => void): void }, handler: Handler, options: { tls?: boolean; address?: string } = {}): Promise<Server> {
  const server = options.tls ? createHttpsServer(TLS, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, options.address ?? '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return server;
}

/** A proxy that accepts connections and never says a word; `accepted` are its connections. */
async function silentProxy(t: { teardown(fn: () => void): void }): Promise<{ port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createNetServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of accepted) socket.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, accepted };
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

async function started<Proxy extends FakeConnectProxy | FakeSocks5Proxy>(t: { teardown(fn: () => Promise<void>): void }, proxy: Proxy): Promise<Proxy> {
  await proxy.start();
  t.teardown(() => proxy.stop());
  return proxy;
}

const settings = (overrides: Partial<ProxySettings>): ProxySettings => ({
  httpProxy: undefined,
  httpsProxy: undefined,
  noProxy: [],
  pool: [],
  consistentByKey: true,
  ...overrides,
});

function client(t: { teardown(fn: () => void): void }, proxies: ProxySelector, timeoutMs = 5000): UpstreamHttp {
  const http = new UpstreamHttp(timeoutMs, { proxies, ca: TLS.cert });
  t.teardown(() => http.close());
  return http;
}

const call = (url: string, proxyKey?: string) => ({
  method: 'POST' as const,
  url,
  headers: { 'content-type': 'application/json' },
  body: '{}',
  cancellation: new CancellationSource(),
  proxyKey,
});

test('an http:// target goes through an HTTP CONNECT proxy with Basic authentication', async (t) => {
  const target = await upstream(t, echo());
  const proxy = await started(t, new FakeConnectProxy({ credentials: PROXY_USER }));
  const http = client(t, new ProxySelector(settings({ httpProxy: proxy.url() })));
  const answer = await http.request('fake', call(`http://127.0.0.1:${portOf(target)}/v1/chat`));
  t.is(answer.status, 200);
  t.is(JSON.parse(answer.body).path, '/v1/chat');
  t.deepEqual(proxy.tunnels, [`127.0.0.1:${portOf(target)}`]);
  t.is(proxy.authFailures, 0);
});

test('an https:// target goes through an https:// proxy: TLS to the proxy, then TLS to the target with its name', async (t) => {
  const target = await upstream(t, echo(), { tls: true });
  const proxy = await started(t, new FakeConnectProxy({ credentials: PROXY_USER, tls: TLS }));
  const http = client(t, new ProxySelector(settings({ httpsProxy: proxy.url() })));
  const answer = await http.request('fake', call(`https://localhost:${portOf(target)}/v1/chat`));
  t.is(answer.status, 200);
  t.is(JSON.parse(answer.body).host, `localhost:${portOf(target)}`);
  t.deepEqual(proxy.tunnels, [`localhost:${portOf(target)}`]);
});

test('a proxy that refuses the credentials is a 502 naming it by host:port, without its password', async (t) => {
  const target = await upstream(t, echo());
  const proxy = await started(t, new FakeConnectProxy({ credentials: PROXY_USER }));
  const http = client(t, new ProxySelector(settings({ httpProxy: proxy.url({ username: 'proxy-user', password: 'wrong-pw-123' }) })));
  const error = await t.throwsAsync(http.request('fake', call(`http://127.0.0.1:${portOf(target)}/`)), { instanceOf: UpstreamError });
  t.is(error.status, 502);
  t.is(error.kind, 'connection');
  t.is(error.message, `Upstream fake could not be reached: proxy 127.0.0.1:${proxy.port} refused the tunnel to 127.0.0.1:${portOf(target)} (HTTP 407).`);
  t.false(error.message.includes('wrong-pw-123'));
  t.is(proxy.authFailures, 1);
});

test('a CONNECT answered with 403, a SOCKS5 reply other than 0 and a proxy nobody listens on are 502s naming the proxy', async (t) => {
  const target = await upstream(t, echo());
  const url = `http://127.0.0.1:${portOf(target)}/`;
  const connectProxy = await started(t, new FakeConnectProxy());
  connectProxy.refuseWith = 403;
  const refused = await t.throwsAsync(client(t, new ProxySelector(settings({ httpProxy: connectProxy.url() }))).request('fake', call(url)), { instanceOf: UpstreamError });
  t.is(refused.status, 502);
  t.regex(refused.message, new RegExp(`proxy 127\\.0\\.0\\.1:${connectProxy.port} refused the tunnel .*\\(HTTP 403\\)`));

  const socks = await started(t, new FakeSocks5Proxy());
  socks.refuseWith = 5;
  const socksRefused = await t.throwsAsync(client(t, new ProxySelector(settings({ pool: [socks.url()] }))).request('fake', call(url)), { instanceOf: UpstreamError });
  t.is(socksRefused.status, 502);
  t.regex(socksRefused.message, new RegExp(`proxy 127\\.0\\.0\\.1:${socks.port} refused the tunnel .*SOCKS5 reply 5: connection refused`));

  const closedPort = await freePort();
  const unreachable = await t.throwsAsync(
    client(t, new ProxySelector(settings({ httpProxy: `http://user:hidden-pass-9@127.0.0.1:${closedPort}` }))).request('fake', call(url)),
    { instanceOf: UpstreamError },
  );
  t.is(unreachable.status, 502);
  t.regex(unreachable.message, new RegExp(`proxy 127\\.0\\.0\\.1:${closedPort} is unreachable .*ECONNREFUSED`));
  t.false(unreachable.message.includes('hidden-pass-9'));
});

test('SOCKS5 without authentication sends the address it resolved itself (socks5://)', async (t) => {
  const { address } = await lookup('localhost');
  const target = await upstream(t, echo(), { address });
  const socks = await started(t, new FakeSocks5Proxy());
  const http = client(t, new ProxySelector(settings({ pool: [socks.url('socks5')] })));
  const answer = await http.request('fake', call(`http://localhost:${portOf(target)}/v1/models`));
  t.is(answer.status, 200);
  t.is(JSON.parse(answer.body).path, '/v1/models');
  t.is(socks.tunnels.length, 1);
  t.not(socks.tunnels[0]!.addressType, 'domain');
  t.is(socks.tunnels[0]!.port, portOf(target));
});

test('SOCKS5 with username and password leaves the name to the proxy (socks5h://), with TLS to the target over the tunnel', async (t) => {
  const { address } = await lookup('localhost');
  const target = await upstream(t, echo(), { tls: true, address });
  const socks = await started(t, new FakeSocks5Proxy({ credentials: PROXY_USER }));
  const http = client(t, new ProxySelector(settings({ pool: [socks.url('socks5h')] })));
  const answer = await http.request('fake', call(`https://localhost:${portOf(target)}/v1/chat`));
  t.is(answer.status, 200);
  t.deepEqual(socks.tunnels, [{ addressType: 'domain', host: 'localhost', port: portOf(target) }]);
  t.is(socks.authFailures, 0);

  const wrong = client(t, new ProxySelector(settings({ pool: [socks.url('socks5h', { username: 'proxy-user', password: 'nope-nope-42' })] })));
  const error = await t.throwsAsync(wrong.request('fake', call(`https://localhost:${portOf(target)}/v1/chat`)), { instanceOf: UpstreamError });
  t.is(error.status, 502);
  t.is(error.message, `Upstream fake could not be reached: proxy 127.0.0.1:${socks.port} refused the username and password.`);
  t.is(socks.authFailures, 1);
});

test('connections through a proxy are kept alive and reused', async (t) => {
  const target = await upstream(t, echo());
  const proxy = await started(t, new FakeConnectProxy());
  const http = client(t, new ProxySelector(settings({ httpProxy: proxy.url() })));
  for (let i = 0; i < 5; i += 1) {
    t.is((await http.request('fake', call(`http://127.0.0.1:${portOf(target)}/${i}`))).status, 200);
    // a connection takes its next call one turn of the event loop after its answer ended
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.is(proxy.connections, 1);
  t.is(proxy.tunnels.length, 1);
});

test('NO_PROXY sends a listed host direct; other hosts still go through the proxy', async (t) => {
  const target = await upstream(t, echo());
  const proxy = await started(t, new FakeConnectProxy());
  const http = client(t, new ProxySelector(settings({ httpProxy: proxy.url(), pool: [], noProxy: ['example.com', '127.0.0.1'] })));
  t.is((await http.request('fake', call(`http://127.0.0.1:${portOf(target)}/`))).status, 200);
  t.deepEqual(proxy.tunnels, []);
  const viaName = await upstream(t, echo(), { address: (await lookup('localhost')).address });
  t.is((await http.request('fake', call(`http://localhost:${portOf(viaName)}/`))).status, 200);
  t.deepEqual(proxy.tunnels, [`localhost:${portOf(viaName)}`]);
});

test('NO_PROXY matches as curl does: names and their subdomains, a leading dot, *, IP literals, an optional port', (t) => {
  const list = new NoProxy(['example.com', '.internal.net', '10.0.0.1', '[::1]', 'svc.local:8080', ' ']);
  t.true(list.excludes('example.com', 443));
  t.true(list.excludes('api.example.com', 443));
  t.false(list.excludes('myexample.com', 443));
  t.true(list.excludes('internal.net', 80));
  t.true(list.excludes('a.b.internal.net', 80));
  t.true(list.excludes('10.0.0.1', 80));
  t.false(list.excludes('10.0.0.10', 80));
  t.true(list.excludes('::1', 80));
  t.false(list.excludes('127.0.0.1', 80), 'loopback goes through the proxy unless listed');
  t.false(list.excludes('localhost', 80), 'loopback goes through the proxy unless listed');
  t.true(list.excludes('svc.local', 8080));
  t.false(list.excludes('svc.local', 443));
  t.true(new NoProxy(['*']).excludes('anything.at.all', 1));
  t.true(new NoProxy([]).empty);
});

test('PROXIES with the consistent hash sends each key through the same proxy on every call', async (t) => {
  const target = await upstream(t, echo(true));
  const proxies = [await started(t, new FakeConnectProxy()), await started(t, new FakeConnectProxy()), await started(t, new FakeConnectProxy())];
  const http = client(t, new ProxySelector(settings({ pool: proxies.map((proxy) => proxy.url()), consistentByKey: true })));
  const used = new Set<number>();
  for (const key of ['key-a', 'key-b', 'key-c', 'key-d', 'key-e', 'key-f']) {
    const before = proxies.map((proxy) => proxy.tunnels.length);
    for (let i = 0; i < 4; i += 1) t.is((await http.request('fake', call(`http://127.0.0.1:${portOf(target)}/`, key))).status, 200);
    const grew = proxies.map((proxy, index) => proxy.tunnels.length - before[index]!);
    t.is(grew.filter((count) => count > 0).length, 1, `${key}: ${grew.join(',')}`);
    t.is(Math.max(...grew), 4);
    used.add(grew.findIndex((count) => count > 0));
  }
  t.true(used.size > 1, 'six keys spread over more than one proxy');
});

test('PROXIES without the consistent hash spreads one key over the proxies at random, as gemini-balance does', async (t) => {
  const target = await upstream(t, echo(true));
  const connectProxy = await started(t, new FakeConnectProxy());
  const socks = await started(t, new FakeSocks5Proxy());
  const http = client(t, new ProxySelector(settings({ pool: [connectProxy.url(), socks.url()], consistentByKey: false })));
  for (let i = 0; i < 40; i += 1) t.is((await http.request('fake', call(`http://127.0.0.1:${portOf(target)}/`, 'one-key'))).status, 200);
  t.true(connectProxy.tunnels.length > 0 && socks.tunnels.length > 0, `${connectProxy.tunnels.length} and ${socks.tunnels.length}`);
  t.is(connectProxy.tunnels.length + socks.tunnels.length, 40);
});

test('an upstream proxy wins over PROXIES and NO_PROXY; PROXIES wins over HTTPS_PROXY and HTTP_PROXY', async (t) => {
  const target = await upstream(t, echo());
  const url = `http://127.0.0.1:${portOf(target)}/`;
  const [own, pool, standard] = [await started(t, new FakeConnectProxy()), await started(t, new FakeConnectProxy()), await started(t, new FakeConnectProxy())];
  const environment = settings({ httpProxy: standard.url(), httpsProxy: standard.url(), pool: [pool.url()] });
  await client(t, new ProxySelector({ ...environment, noProxy: ['127.0.0.1'] }, own.url())).request('fake', call(url));
  await client(t, new ProxySelector(environment)).request('fake', call(url));
  t.is(own.tunnels.length, 1);
  t.is(pool.tunnels.length, 1);
  t.is(standard.tunnels.length, 0);
  await client(t, new ProxySelector({ ...environment, pool: [] })).request('fake', call(url));
  t.is(standard.tunnels.length, 1);
});

test('a cancelled stream through a tunnel stops at once and closes the tunnel', async (t) => {
  let upstreamClosed = false;
  const target = await upstream(t, (request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: 1\n\n');
    const tick = setInterval(() => response.write('data: more\n\n'), 50);
    response.on('close', () => {
      clearInterval(tick);
      upstreamClosed = true;
    });
  });
  const proxy = await started(t, new FakeSocks5Proxy({ credentials: PROXY_USER }));
  const http = client(t, new ProxySelector(settings({ pool: [proxy.url('socks5h')] })));
  const request = call(`http://127.0.0.1:${portOf(target)}/stream`);
  const answer = await http.stream('fake', request);
  const reading = readBodyText(answer.body, 1 << 20);
  request.cancellation.cancel();
  await reading;
  t.true(answer.body.destroyed);
  t.true(answer.body.errored instanceof RequestAbortedError);
  await waitFor(() => upstreamClosed, 'the upstream sees the tunnel close');
  t.true(upstreamClosed);
});

test('TIME_OUT works through a tunnel: a steady stream outlives it, a silent one is a 504', async (t) => {
  const target = await upstream(t, tickingStream, { tls: true });
  const proxy = await started(t, new FakeConnectProxy({ tls: TLS }));
  const http = client(t, new ProxySelector(settings({ httpsProxy: proxy.url() })), 400);
  const steady = await http.stream('fake', call(`https://localhost:${portOf(target)}/steady`));
  t.regex(await readBodyText(steady.body), /data: 7/);
  const silent = await http.stream('fake', call(`https://localhost:${portOf(target)}/silent`));
  const started_ = Date.now();
  await readBodyText(silent.body);
  const stoppedBy = silent.body.errored;
  t.true(stoppedBy instanceof UpstreamError && stoppedBy.status === 504, String(stoppedBy));
  t.true(Date.now() - started_ < 2000);
});

test('a proxy that never answers the handshake is given up after TIME_OUT as a 504', async (t) => {
  const { port, accepted } = await silentProxy(t);
  const http = client(t, new ProxySelector(settings({ pool: [`socks5://127.0.0.1:${port}`] })), 300);
  const error = await t.throwsAsync(http.request('fake', call('http://127.0.0.1:9/')), { instanceOf: UpstreamError });
  t.is(error.status, 504);
  t.is(error.code, 'upstream_timeout');
});

test('a call cancelled while its proxy handshake is pending ends at once', async (t) => {
  const { port, accepted } = await silentProxy(t);
  const http = client(t, new ProxySelector(settings({ httpProxy: `http://127.0.0.1:${port}` })), 5000);
  const request = call('http://127.0.0.1:9/');
  const pending = http.request('fake', request);
  await waitFor(() => accepted.length === 1, 'the proxy is connected to');
  const started_ = Date.now();
  request.cancellation.cancel();
  await t.throwsAsync(pending, { instanceOf: RequestAbortedError });
  t.true(Date.now() - started_ < 500);
});
