import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { FakeConnectProxy } from '../fakes/connect-proxy.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { FakeSocks5Proxy } from '../fakes/socks5-proxy.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { CLIENT_TOKEN, gatewayInFrontOf, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { ProxySelector } from '../../src/upstream/proxy/selection.js';

const KEYS = ['sk-upstream-proxy-key-000000000001', 'sk-upstream-proxy-key-000000000002'];
const PROXY_USER = { username: 'gw-proxy-user', password: 'gw-proxy-pass-SECRET-77' };

async function setUp<Proxy extends FakeConnectProxy | FakeSocks5Proxy>(
  t: ExecutionContext,
  proxy: Proxy,
  env: (upstream: FakeOpenAIUpstream, proxy: Proxy) => Record<string, string>,
): Promise<{ upstream: FakeOpenAIUpstream; proxy: Proxy; gw: RunningGateway }> {
  const upstream = await new FakeOpenAIUpstream().start();
  upstream.acceptedKeys = new Set(KEYS);
  await proxy.start();
  const gw = await startGateway(env(upstream, proxy));
  t.teardown(async () => {
    await gw.close();
    await proxy.stop();
    await upstream.stop();
  });
  return { upstream, proxy, gw };
}

/** A chat call and a streamed one through the SDK; both answered by the fake upstream. */
async function chatTwice(t: ExecutionContext, client: OpenAI, model = 'gpt-4o'): Promise<void> {
  const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'through the proxy' }] });
  t.is(completion.choices[0]?.message.content, 'You said: through the proxy');
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'streamed' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  t.is(text, 'You said: streamed');
}

const upstreamAuthority = (upstream: FakeOpenAIUpstream) => new URL(upstream.url).host;

test('an HTTP CONNECT proxy with credentials carries the calls; its password never reaches the logs', async (t) => {
  const { upstream, proxy, gw } = await setUp(t, new FakeConnectProxy({ credentials: PROXY_USER }), (upstream, proxy) => ({
    OPENAI_API_KEY: KEYS[0]!,
    OPENAI_BASE_URL: upstream.url,
    HTTP_PROXY: proxy.url(),
  }));
  await chatTwice(t, gw.client());
  t.true(proxy.tunnels.length >= 1);
  t.true(proxy.tunnels.every((tunnel) => tunnel === upstreamAuthority(upstream)));
  t.is(proxy.authFailures, 0);
  t.is(upstream.last.headers.authorization, `Bearer ${KEYS[0]}`);
  t.false(gw.rawLogs.some((line) => line.includes(PROXY_USER.password)));
});

test('SOCKS5 proxies from PROXIES carry the calls: socks5:// with credentials and socks5h:// without', async (t) => {
  const withAuth = await setUp(t, new FakeSocks5Proxy({ credentials: PROXY_USER }), (upstream, proxy) => ({
    OPENAI_API_KEY: KEYS[0]!,
    OPENAI_BASE_URL: upstream.url,
    PROXIES: JSON.stringify([proxy.url('socks5')]),
  }));
  await chatTwice(t, withAuth.gw.client());
  t.true(withAuth.proxy.tunnels.length >= 1);
  t.not(withAuth.proxy.tunnels[0]!.addressType, 'domain');
  t.false(withAuth.gw.rawLogs.some((line) => line.includes(PROXY_USER.password)));

  const remoteNames = await setUp(t, new FakeSocks5Proxy(), (upstream, proxy) => ({
    OPENAI_API_KEY: KEYS[0]!,
    OPENAI_BASE_URL: upstream.url.replace('127.0.0.1', 'localhost'),
    PROXIES: proxy.url('socks5h'),
  }));
  await chatTwice(t, remoteNames.gw.client());
  t.is(remoteNames.proxy.tunnels[0]!.addressType, 'domain');
  t.is(remoteNames.proxy.tunnels[0]!.host, 'localhost');
});

test('a refusing proxy is a 502 naming it by host:port, and each key is tried through it once', async (t) => {
  const { upstream, proxy, gw } = await setUp(t, new FakeConnectProxy({ credentials: PROXY_USER }), (upstream, proxy) => ({
    OPENAI_API_KEY: KEYS.join(','),
    OPENAI_BASE_URL: upstream.url,
    MAX_RETRIES: '2',
    HTTP_PROXY: proxy.url({ username: PROXY_USER.username, password: 'wrong-proxy-pass-SECRET-88' }),
  }));
  const error = await t.throwsAsync(gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), {
    instanceOf: OpenAI.APIError,
  });
  t.is(error.status, 502);
  t.regex(error.message, new RegExp(`proxy 127\\.0\\.0\\.1:${proxy.port} refused the tunnel .*\\(HTTP 407\\)`));
  t.false(error.message.includes('wrong-proxy-pass'));
  t.is(proxy.authFailures, 2);
  t.is(upstream.requests.length, 0);
  for (const secret of ['wrong-proxy-pass-SECRET-88', ...KEYS]) t.false(gw.rawLogs.some((line) => line.includes(secret)), secret);
  await gw.resetKeys();
});

test("a config file upstream's proxy wins over the environment's HTTP_PROXY and NO_PROXY", async (t) => {
  const environmentProxy = new FakeConnectProxy();
  await environmentProxy.start();
  t.teardown(() => environmentProxy.stop());
  const { upstream, proxy, gw } = await setUp(t, new FakeSocks5Proxy({ credentials: PROXY_USER }), (upstream, proxy) => {
    const dir = mkdtempSync(join(tmpdir(), 'llmgw-proxy-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      [
        'upstreams:',
        '  behind:',
        '    type: openai-compatible',
        `    base_url: ${upstream.url}`,
        `    api_keys: ["${KEYS[1]}"]`,
        '    models: [gpt-4o]',
        `    proxy: ${proxy.url('socks5h')}`,
        '',
      ].join('\n'),
    );
    return { CONFIG_FILE: file, HTTP_PROXY: environmentProxy.url(), NO_PROXY: '127.0.0.1' };
  });
  await chatTwice(t, gw.client(), 'behind/gpt-4o');
  t.true(proxy.tunnels.length >= 1);
  t.deepEqual(environmentProxy.tunnels, []);
  t.is(upstream.last.headers.authorization, `Bearer ${KEYS[1]}`);
  t.false(gw.rawLogs.some((line) => line.includes(PROXY_USER.password)));
});

/** Two proxies for PROXIES, and two upstream keys the consistent hash sends through the same one of them. */
async function pinnedPair(t: ExecutionContext, keyPrefix: string): Promise<{ proxies: FakeConnectProxy[]; keys: string[]; pinnedTo: number }> {
  const proxies = [new FakeConnectProxy(), new FakeConnectProxy()];
  for (const proxy of proxies) await proxy.start();
  t.teardown(async () => {
    for (const proxy of proxies) await proxy.stop();
  });
  const selector = new ProxySelector({ httpProxy: undefined, httpsProxy: undefined, noProxy: [], pool: proxies.map((proxy) => proxy.url()), consistentByKey: true });
  const indexOf = (key: string) => proxies.findIndex((proxy) => proxy.url() === selector.choose('http:', '127.0.0.1', 80, key)?.href);
  const keys = [`${keyPrefix}0000`];
  for (let i = 1; keys.length < 2; i += 1) {
    const key = `${keyPrefix}${String(i).padStart(4, '0')}`;
    if (indexOf(key) === indexOf(keys[0]!)) keys.push(key);
  }
  return { proxies, keys, pinnedTo: indexOf(keys[0]!) };
}

test('with the consistent hash, the upstream key picks the proxy: chat calls and Gemini native calls never take the other one', async (t) => {
  const openai = await pinnedPair(t, 'sk-upstream-pinned-key-00000000');
  const upstream = await new FakeOpenAIUpstream().start();
  upstream.acceptedKeys = new Set(openai.keys);
  const gw = await startGateway({ OPENAI_API_KEY: openai.keys.join(','), OPENAI_BASE_URL: upstream.url, PROXIES: openai.proxies.map((proxy) => proxy.url()).join(',') });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  for (let call = 0; call < 12; call += 1) {
    await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `call ${call}` }] });
  }
  t.deepEqual(new Set(upstream.requests.map((request) => request.headers.authorization)), new Set(openai.keys.map((key) => `Bearer ${key}`)));
  t.true(openai.proxies[openai.pinnedTo]!.tunnels.length >= 1);
  t.deepEqual(openai.proxies[1 - openai.pinnedTo]!.tunnels, []);

  const gemini = await pinnedPair(t, 'AIzaSyPinnedGeminiPoolKey00000000');
  const { fake, gw: geminiGateway } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (fake) => ({
    API_KEYS: JSON.stringify(gemini.keys),
    BASE_URL: fake.url,
    PROXIES: JSON.stringify(gemini.proxies.map((proxy) => proxy.url())),
  }));
  for (let call = 0; call < 12; call += 1) {
    const answer = await fetch(`${geminiGateway.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': CLIENT_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: `call ${call}` }] }] }),
    });
    t.is(answer.status, 200);
  }
  t.is(fake.calls.length, 12);
  t.true(gemini.proxies[gemini.pinnedTo]!.tunnels.length >= 1);
  t.deepEqual(gemini.proxies[1 - gemini.pinnedTo]!.tunnels, []);
});
