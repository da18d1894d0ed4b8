import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { GatewayError } from '../../src/core/errors.js';
import { createMediaFetcher, isPublicAddress, type MediaFetcherOptions, sniffMediaType } from '../../src/upstream/media-fetcher.js';

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)]);

interface MediaServer {
  port: number;
  /** Paths requested so far, with the Host header they came with. */
  hits: { path: string; host: string | undefined }[];
}

async function mediaServer(
  t: ExecutionContext,
  handle: (req: IncomingMessage, res: ServerResponse, port: number) => void,
  host = '127.0.0.1',
  listenPort = 0,
): Promise<MediaServer> {
  const hits: MediaServer['hits'] = [];
  let port = 0;
  const server = createServer((req, res) => {
    hits.push({ path: req.url ?? '', host: req.headers.host });
    handle(req, res, port);
  });
  await new Promise<void>((resolve) => server.listen(listenPort, host, resolve));
  port = (server.address() as AddressInfo).port;
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, hits };
}

async function refusal(t: ExecutionContext, fetch: Promise<unknown>): Promise<GatewayError> {
  const error = await fetch.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof GatewayError)) {
    t.fail(`expected a 400 GatewayError, got ${String(error)}`);
    throw new Error('unreachable');
  }
  t.is(error.status, 400);
  t.is(error.code, 'invalid_image_url');
  return error;
}

const onlyLoopbackOne: MediaFetcherOptions = { isAllowedAddress: (address) => address === '127.0.0.1' };

test('public and non-public addresses', (t) => {
  for (const address of ['8.8.8.8', '142.250.74.78', '2001:4860:4860::8888', '2606:4700:4700::1111']) t.true(isPublicAddress(address), address);
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:7f00:1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    'fc00::1',
    'fd12:3456::1',
    'febf::1',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    'not-an-ip',
  ]) {
    t.false(isPublicAddress(address), address);
  }
});

test('loopback and private addresses are refused by default, before any connection', async (t) => {
  const server = await mediaServer(t, (_req, res) => res.end(PNG));
  const fetchMedia = createMediaFetcher();
  const loopback = await refusal(t, fetchMedia(`http://127.0.0.1:${server.port}/cat.png`));
  t.regex(loopback.message, /non-public address \(127\.0\.0\.1\)/);
  const byName = await refusal(t, fetchMedia(`http://localhost:${server.port}/cat.png`));
  t.regex(byName.message, /localhost resolves to a non-public address/);
  for (const url of [
    'http://10.0.0.1/a.png',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/a.png',
    'http://[::1]/a.png',
    'http://[::ffff:127.0.0.1]/a.png',
    'http://[::ffff:7f00:1]/a.png',
    'http://[fc00::1]/a.png',
    'http://[fd00:ec2::254]/latest/meta-data',
    'http://[fe80::1]/a.png',
    'http://2130706433/a.png', // 127.0.0.1 written as one number
    'http://0x7f.1/a.png',
  ]) {
    await refusal(t, fetchMedia(url));
  }
  t.deepEqual(server.hits, []);
});

test('only http and https are fetched', async (t) => {
  const fetchMedia = createMediaFetcher({ allowPrivateAddresses: true });
  t.regex((await refusal(t, fetchMedia('file:///etc/passwd'))).message, /Only http and https/);
  t.regex((await refusal(t, fetchMedia('ftp://example.com/a.png'))).message, /Only http and https/);
  t.regex((await refusal(t, fetchMedia('not a url'))).message, /not a valid URL/);
});

test('the connection goes to the address that was checked, and a name with any non-public address is refused', async (t) => {
  const server = await mediaServer(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(PNG);
  });
  const resolveHost: MediaFetcherOptions['resolveHost'] = async (hostname) => {
    if (hostname === 'images.test') return [{ address: '127.0.0.1', family: 4 }];
    if (hostname === 'rebind.test') return [{ address: '127.0.0.1', family: 4 }, { address: '10.0.0.7', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  const fetchMedia = createMediaFetcher({ ...onlyLoopbackOne, resolveHost });
  const media = await fetchMedia(`http://images.test:${server.port}/cat.png`);
  t.deepEqual(media, { mimeType: 'image/png', data: PNG.toString('base64') });
  t.deepEqual(server.hits, [{ path: '/cat.png', host: `images.test:${server.port}` }]);
  t.regex((await refusal(t, fetchMedia(`http://rebind.test:${server.port}/cat.png`))).message, /rebind\.test resolves to a non-public address \(10\.0\.0\.7\)/);
  t.regex((await refusal(t, fetchMedia(`http://nowhere.test:${server.port}/cat.png`))).message, /could not be resolved/);
  t.is(server.hits.length, 1);
});

test('every redirect is checked again; allowed redirects are followed, up to a limit', async (t) => {
  const server = await mediaServer(t, (req, res, port) => {
    const redirect = (location: string) => {
      res.writeHead(302, { location });
      res.end();
    };
    if (req.url === '/to-literal') return redirect(`http://127.0.0.2:${port}/secret`);
    if (req.url === '/to-name') return redirect(`http://internal.test:${port}/secret`);
    if (req.url === '/to-allowed') return redirect(`http://images.test:${port}/cat.png`);
    if (req.url === '/to-file') return redirect('file:///etc/passwd');
    if (req.url === '/loop') return redirect('/loop');
    res.writeHead(200, { 'content-type': 'image/png' });
    res.end(PNG);
  });
  const resolveHost: MediaFetcherOptions['resolveHost'] = async (hostname) =>
    hostname === 'internal.test' ? [{ address: '10.0.0.5', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
  const fetchMedia = createMediaFetcher({ ...onlyLoopbackOne, resolveHost, maxRedirects: 2 });
  const base = `http://127.0.0.1:${server.port}`;
  t.regex((await refusal(t, fetchMedia(`${base}/to-literal`))).message, /non-public address \(127\.0\.0\.2\)/);
  t.regex((await refusal(t, fetchMedia(`${base}/to-name`))).message, /internal\.test resolves to a non-public address/);
  await refusal(t, fetchMedia(`${base}/to-file`));
  t.regex((await refusal(t, fetchMedia(`${base}/loop`))).message, /redirected too many times/);
  t.false(server.hits.some((hit) => hit.path === '/secret'));
  t.deepEqual(await fetchMedia(`${base}/to-allowed`), { mimeType: 'image/png', data: PNG.toString('base64') });
  t.is(server.hits.at(-1)!.host, `images.test:${server.port}`);
});

test('bodies over the size limit are refused, whether or not their length is declared', async (t) => {
  const big = Buffer.alloc(5000, 1);
  const server = await mediaServer(t, (req, res) => {
    if (req.url === '/declared') res.writeHead(200, { 'content-type': 'image/png', 'content-length': big.length });
    else res.writeHead(200, { 'content-type': 'image/png' });
    if (req.url === '/declared') return res.end(big);
    res.write(big.subarray(0, 2500));
    setTimeout(() => res.end(big.subarray(2500)), 20);
  });
  const fetchMedia = createMediaFetcher({ allowPrivateAddresses: true, maxBytes: 1000 });
  t.regex((await refusal(t, fetchMedia(`http://127.0.0.1:${server.port}/declared`))).message, /larger than the 1000 bytes allowed/);
  t.regex((await refusal(t, fetchMedia(`http://127.0.0.1:${server.port}/chunked`))).message, /larger than the 1000 bytes allowed/);
});

test('a slow server runs into the timeout', async (t) => {
  const server = await mediaServer(t, (_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.end(PNG);
    }, 2000);
  });
  const fetchMedia = createMediaFetcher({ allowPrivateAddresses: true, timeoutMs: 200 });
  const started = Date.now();
  t.regex((await refusal(t, fetchMedia(`http://127.0.0.1:${server.port}/slow.png`))).message, /longer than 0.2s/);
  t.true(Date.now() - started < 1500);
});

test('the Content-Type is the media type; untyped bodies are sniffed; non-media and HTTP errors are refused', async (t) => {
  const server = await mediaServer(t, (req, res) => {
    if (req.url === '/typed') res.writeHead(200, { 'content-type': 'audio/mpeg; charset=binary' });
    else if (req.url === '/untyped') res.writeHead(200, { 'content-type': 'application/octet-stream' });
    else if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    else if (req.url === '/missing') res.writeHead(404, { 'content-type': 'text/plain' });
    else res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(req.url === '/garbage' ? Buffer.from('just some bytes') : req.url === '/html' ? '<html></html>' : PNG);
  });
  const fetchMedia = createMediaFetcher({ allowPrivateAddresses: true });
  const base = `http://127.0.0.1:${server.port}`;
  t.is((await fetchMedia(`${base}/typed`)).mimeType, 'audio/mpeg');
  t.is((await fetchMedia(`${base}/untyped`)).mimeType, 'image/png');
  t.regex((await refusal(t, fetchMedia(`${base}/html`))).message, /returned 'text\/html', not an image, audio, video or PDF file/);
  t.regex((await refusal(t, fetchMedia(`${base}/garbage`))).message, /not an image/);
  t.regex((await refusal(t, fetchMedia(`${base}/missing`))).message, /answered HTTP 404/);
});

test('sniffing knows the common media formats', (t) => {
  t.is(sniffMediaType(PNG), 'image/png');
  t.is(sniffMediaType(Buffer.from('ffd8ffe000104a46', 'hex')), 'image/jpeg');
  t.is(sniffMediaType(Buffer.from('GIF89a......')), 'image/gif');
  t.is(sniffMediaType(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'image/webp');
  t.is(sniffMediaType(Buffer.from('RIFF\0\0\0\0WAVEfmt ')), 'audio/wav');
  t.is(sniffMediaType(Buffer.from('%PDF-1.7\n')), 'application/pdf');
  t.is(sniffMediaType(Buffer.from('ID3\x04\0\0\0\0')), 'audio/mp3');
  t.is(sniffMediaType(Buffer.from('\0\0\0\x18ftypmp42')), 'video/mp4');
  t.is(sniffMediaType(Buffer.from('hello')), undefined);
});

/**
 * 127.0.0.2 stands in for a public host (the only address the fetcher may reach besides the public ones, which a
 * test cannot serve); 127.0.0.1 is the private service an attacker wants to reach.
 */
const standInPublic: MediaFetcherOptions = { isAllowedAddress: (address) => address === '127.0.0.2' || isPublicAddress(address) };

const png = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'image/png' });
  res.end(PNG);
};

test('a redirect from a public host into loopback or private space is refused at that hop, however the address is written', async (t) => {
  const secret = await mediaServer(t, png);
  const publicHost = await mediaServer(
    t,
    (req, res) => {
      res.writeHead(302, { location: decodeURIComponent(req.url!.slice('/go?'.length)) });
      res.end();
    },
    '127.0.0.2',
  );
  const resolveHost: MediaFetcherOptions['resolveHost'] = async (hostname) =>
    hostname === 'cdn.example' ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
  const fetchMedia = createMediaFetcher({ ...standInPublic, resolveHost });
  for (const target of [
    `http://127.0.0.1:${secret.port}/secret.png`,
    `http://[::ffff:127.0.0.1]:${secret.port}/secret.png`,
    `http://[::ffff:7f00:1]:${secret.port}/secret.png`,
    `http://2130706433:${secret.port}/secret.png`,
    `http://internal.example:${secret.port}/secret.png`,
    `http://[::1]:${secret.port}/secret.png`,
  ]) {
    const refused = await refusal(t, fetchMedia(`http://cdn.example:${publicHost.port}/go?${encodeURIComponent(target)}`));
    t.regex(refused.message, /non-public address/, target);
  }
  t.is(publicHost.hits.length, 6, 'every first hop was made');
  t.deepEqual(secret.hits, [], 'no hop reached the private service');
});

test('DNS answers are checked all at once and connected to as checked: a public answer beside a loopback one, or a name that rebinds after the check, never reaches loopback', async (t) => {
  const secret = await mediaServer(t, png);
  const publicHost = await mediaServer(t, png, '127.0.0.2', secret.port);
  let lookups = 0;
  const resolveHost: MediaFetcherOptions['resolveHost'] = async (hostname) => {
    lookups++;
    if (hostname === 'mixed.example') return [{ address: '127.0.0.2', family: 4 }, { address: '127.0.0.1', family: 4 }];
    // A rebinding DNS server: public at the first question, loopback at any later one.
    return lookups === 1 ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
  };
  const fetchMedia = createMediaFetcher({ ...standInPublic, resolveHost });

  t.deepEqual(await fetchMedia(`http://rebind.example:${secret.port}/cat.png`), { mimeType: 'image/png', data: PNG.toString('base64') });
  t.is(lookups, 1, 'one resolution per connection: the one that was checked');
  t.is(publicHost.hits.length, 1, 'the connection went to the checked address');

  const mixed = await refusal(t, fetchMedia(`http://mixed.example:${secret.port}/cat.png`));
  t.regex(mixed.message, /mixed\.example resolves to a non-public address \(127\.0\.0\.1\)/);
  t.regex((await refusal(t, fetchMedia(`http://rebind.example:${secret.port}/cat.png`))).message, /non-public address \(127\.0\.0\.1\)/);
  t.deepEqual(secret.hits, [], 'loopback was never reached');
});
