import test from 'ava';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

// Two gateway processes on one Redis and one config: an online edit made on one is served by the other within a
// second, a stale If-Match is refused on either, and a target ejected through one is avoided by the other.

const TOKEN = 'sk-config-two-instances-client-01';
const ADMIN = 'sk-config-two-instances-admin-001';

const serverError = { kind: 'error' as const, status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } } };

async function chat(gateway: GatewayProcess, model: string): Promise<{ status: number; upstream: string | null }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.text();
  return { status: response.status, upstream: response.headers.get('x-gateway-upstream') };
}

async function admin(gateway: GatewayProcess, method: string, path: string, body?: unknown, ifMatch?: string) {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as Record<string, any> };
}

test('two gateway processes on one Redis: an online PUT on one is served by the other within a second, a stale If-Match gets 412, ejections are shared', async (t) => {
  const [a, b, flaky] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  flaky.script = () => serverError;
  const upstream = (name: string, fake: FakeOpenAIUpstream) => `  ${name}: { type: openai-compatible, base_url: "${fake.url}", api_keys: [sk-${name}-key-00000000000000] }\n`;
  const file = writeConfigFile(
    `upstreams:\n${upstream('a', a)}${upstream('b', b)}${upstream('flaky', flaky)}routes:\n` +
      `  gpt-4o: { targets: [{ upstream: a }] }\n` +
      `  shaky: { strategy: priority, targets: [{ upstream: flaky }, { upstream: b }], eject: { after_failures: 1, cool_off_ms: 60000 } }\n`,
  );
  const prefix = uniquePrefix();
  const env = { ALLOWED_TOKENS: TOKEN, AUTH_TOKEN: ADMIN, CONFIG_FILE: file, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, MAX_RETRIES: '1' };
  const [one, two] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  t.teardown(async () => {
    await Promise.all([one.stop(), two.stop()]);
    await Promise.all([a.stop(), b.stop(), flaky.stop()]);
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  t.is((await chat(two, 'gpt-4o')).upstream, 'a');
  const read = await admin(one, 'GET', '/admin/api/config');
  t.is(read.etag, '"0"');
  const edit = structuredClone(read.body.document);
  edit.routes['gpt-4o'].targets = [{ upstream: 'b' }];
  const put = await admin(one, 'PUT', '/admin/api/config', edit, read.etag!);
  t.is(put.status, 200);
  const editedAt = Date.now();
  let upstreamOnTwo: string | null = 'a';
  while (upstreamOnTwo !== 'b' && Date.now() - editedAt < 3000) {
    upstreamOnTwo = (await chat(two, 'gpt-4o')).upstream;
    if (upstreamOnTwo !== 'b') await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const took = Date.now() - editedAt;
  t.is(upstreamOnTwo, 'b');
  t.true(took < 1000, `the other instance served the edit after ${took} ms`);
  t.like((await admin(two, 'GET', '/admin/api/config')).body, { revision: 1, source: 'online' });

  const stale = await admin(two, 'PUT', '/admin/api/config', read.body.document, '"0"');
  t.is(stale.status, 412);
  t.is(stale.etag, '"1"');
  const second = await admin(two, 'PUT', '/admin/api/config', read.body.document, '"1"');
  t.is(second.status, 200);
  t.is((await admin(one, 'PUT', '/admin/api/config', edit, '"1"')).status, 412, 'the first instance cannot overwrite it either');

  // The flaky target fails once through the first instance and is ejected for a minute, on both.
  t.deepEqual(await chat(one, 'shaky'), { status: 200, upstream: 'b' });
  t.is(flaky.requests.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 700));
  for (let call = 0; call < 5; call++) t.deepEqual(await chat(two, 'shaky'), { status: 200, upstream: 'b' });
  t.is(flaky.requests.length, 1, 'the second instance never called the ejected target');
});
