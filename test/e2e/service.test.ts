import test from 'ava';
import { keyId } from '../../src/keys/key-identity.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { CLIENT_TOKEN, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { adminApi } from '../helpers/admin-api.js';
import { waitFor } from '../helpers/wait.js';

const UPSTREAM_KEYS = ['sk-upstream-service-key-0000001', 'sk-upstream-service-key-0000002'];
const ADMIN_TOKEN = 'sk-admin-token-for-service-tests-01';

let upstream: FakeOpenAIUpstream;
let gw: RunningGateway;

test.before(async () => {
  upstream = await new FakeOpenAIUpstream().start();
  gw = await startGateway({ OPENAI_API_KEYS: JSON.stringify(UPSTREAM_KEYS), OPENAI_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN_TOKEN });
});

test.after.always(async () => {
  await gw?.close();
  await upstream?.stop();
});

test.serial('GET / describes the service without secrets', async (t) => {
  const response = await fetch(`${gw.url}/`);
  t.is(response.status, 200);
  const body = (await response.json()) as { name: string; version: string; endpoints: string[]; providers: { id: string; keys: number }[] };
  t.is(body.name, 'llm-gateway');
  t.regex(body.version, /^\d+\.\d+\.\d+/);
  t.true(body.endpoints.includes('POST /v1/chat/completions'));
  // Every route the application serves belongs to a family `/` names: a listed path is a prefix of its path.
  const listed = body.endpoints.flatMap((endpoint) => endpoint.match(/\/[^\s,(…{]*/g) ?? []).map((path) => path.replace(/\/$/, ''));
  const routers = gw.gateway.app.middleware.flatMap((middleware) => ((middleware as { router?: { stack: { path: string | RegExp }[] } }).router?.stack ?? []));
  t.true(routers.length > 20);
  for (const { path } of routers) {
    const literal = typeof path === 'string' ? path : path.source.replace(/\\/g, '').replace(/^\^/, '').replace(/\(\?:[^)]*\)\?/g, '');
    const served = literal.split(/\/:|[([.+*?$]/)[0]!.replace(/\/$/, '');
    t.true(served === '' ? listed.includes('') : listed.some((prefix) => prefix !== '' && served.startsWith(prefix)), `${String(path)} is listed`);
  }
  t.deepEqual(body.providers, [{ id: 'openai', kind: 'openai', keys: 2 }]);
  const text = JSON.stringify(body);
  for (const secret of [...UPSTREAM_KEYS, CLIENT_TOKEN, ADMIN_TOKEN]) t.false(text.includes(secret));
});

test.serial('GET /health is public and reports healthy with its dependencies', async (t) => {
  const response = await fetch(`${gw.url}/health`);
  t.is(response.status, 200);
  const body = (await response.json()) as { status: string; dependencies: Record<string, { status: string }> };
  t.is(body.status, 'healthy');
  t.is(body.dependencies.store?.status, 'ok');
});

test.serial('the admin token is also a client token', async (t) => {
  const completion = await gw.client(ADMIN_TOKEN).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  t.is(completion.object, 'chat.completion');
});

test.serial('upstream keys take turns', async (t) => {
  const before = upstream.requests.length;
  for (let index = 0; index < 4; index++) {
    await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  }
  const used = upstream.requests.slice(before).map((request) => request.headers.authorization);
  t.deepEqual(used.slice(0, 2).sort(), UPSTREAM_KEYS.map((key) => `Bearer ${key}`).sort());
  t.deepEqual(used.slice(2), used.slice(0, 2));
});

test.serial('a request id is generated and echoed, or the caller\'s is honoured', async (t) => {
  const generated = await fetch(`${gw.url}/health`);
  t.regex(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  const honoured = await fetch(`${gw.url}/health`, { headers: { 'x-request-id': 'trace-abc-123' } });
  t.is(honoured.headers.get('x-request-id'), 'trace-abc-123');
  const refused = await fetch(`${gw.url}/health`, { headers: { 'x-request-id': 'bad id with spaces' } });
  t.not(refused.headers.get('x-request-id'), 'bad id with spaces');
  // The access line writes the request id unescaped: one that would need escaping is never taken.
  for (const hostile of ['id"with-quote', 'id\\with-backslash']) {
    const replaced = await fetch(`${gw.url}/health`, { headers: { 'x-request-id': hostile } });
    await replaced.arrayBuffer();
    const id = replaced.headers.get('x-request-id') ?? '';
    t.regex(id, /^[0-9a-f-]{36}$/);
    t.is(gw.logs.filter((entry) => entry.reqId === id).length, 1, 'its access line parses as JSON');
  }
});

test.serial('each request is logged as one JSON line with id, route, status, timing, model, provider and the caller (a token hash)', async (t) => {
  await gw.client().chat.completions.create(
    { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'log me' }] },
    { headers: { 'x-request-id': 'log-test-1' } },
  );
  const lines = gw.logs.filter((entry) => entry.reqId === 'log-test-1');
  t.is(lines.length, 1);
  const line = lines[0];
  t.is(line!.method, 'POST');
  t.is(line!.path, '/v1/chat/completions');
  t.is(line!.status, 200);
  t.true(typeof line!.durationMs === 'number' && line!.durationMs >= 0, `durationMs ${String(line!.durationMs)}`);
  t.is(line!.model, 'openai/gpt-4o');
  t.is(line!.provider, 'openai');
  t.is(line!.level, 'info');
  t.regex(String(line!.client), /^env:[0-9a-f]{8}$/);
});

test.serial('one access line per request; a call its client abandons is logged once the handler ends, as 499, and not held against the upstream key', async (t) => {
  const accessLines = (id: string) => gw.logs.filter((entry) => entry.reqId === id && typeof entry.status === 'number');
  await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-request-id': 'once-ok' } });
  await fetch(`${gw.url}/v1/nowhere`, { headers: { 'x-request-id': 'once-404' } });
  await fetch(`${gw.url}/v1/models`, { headers: { 'x-request-id': 'once-401' } });
  t.is(accessLines('once-ok').length, 1);
  t.is(accessLines('once-404')[0]?.status, 404);
  t.is(accessLines('once-401')[0]?.status, 401);

  // The client goes away while the upstream is still thinking: the connection closes before the handler ends.
  upstream.aborted.length = 0;
  const callsBefore = upstream.requests.length;
  upstream.script = () => ({ kind: 'reply', text: 'too late', headerDelayMs: 2000 });
  const controller = new AbortController();
  const call = gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-request-id': 'once-left' }, signal: controller.signal, maxRetries: 0 });
  await waitFor(() => upstream.requests.length > callsBefore, 'the upstream call');
  controller.abort();
  await t.throwsAsync(call);
  await waitFor(() => upstream.aborted.length > 0, 'the upstream abort', 1000);
  await waitFor(() => accessLines('once-left').length > 0, 'the access line of the abandoned call');
  await new Promise((resolve) => setTimeout(resolve, 50));
  upstream.script = () => undefined;
  const [line, ...more] = accessLines('once-left');
  t.is(more.length, 0);
  // Written after the handler ended: the attempt, the key and the status of a call its client abandoned.
  t.is(line!.attempts, 1);
  t.true(UPSTREAM_KEYS.map((key) => keyId(key).slice(0, 8)).includes(String(line!.upstreamKey)), `upstreamKey ${String(line!.upstreamKey)}`);
  t.is(line!.status, 499);
  t.is((line!.error as { code?: string }).code, 'client_closed_request');
  t.false(gw.logs.some((entry) => entry.reqId === 'once-left' && entry.msg === 'unexpected error'));
  // The request log says the client left; the upstream error log does not blame the key for it.
  const admin = adminApi(gw, ADMIN_TOKEN);
  let record: { status?: number; error?: string } | undefined;
  await waitFor(async () => {
    const page = await admin.get<{ data: { request_id: string; status: number; error: string }[] }>('/admin/api/logs?limit=50');
    record = page.body.data.find((entry) => entry.request_id === 'once-left');
    return record !== undefined;
  }, 'the request log record');
  t.is(record!.status, 499);
  t.is(record!.error, 'the client closed the connection');
  const errors = await admin.get<{ data: { request_id?: string }[] }>('/admin/api/logs/errors');
  t.false(JSON.stringify(errors.body).includes('once-left'));
});

test.serial('no token, key or body ever appears in the logs', async (t) => {
  await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a very private prompt' }] });
  await gw
    .client('sk-wrong-but-secret-token')
    .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-request-id': 'secret-wrong-token' }, maxRetries: 0 })
    .catch(() => undefined);
  upstream.script = () => ({ kind: 'error', status: 401, body: { error: { message: `bad key ${UPSTREAM_KEYS[0]}`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
  await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch(() => undefined);
  upstream.script = () => undefined;
  const all = gw.rawLogs.join('');
  for (const secret of [...UPSTREAM_KEYS, CLIENT_TOKEN, ADMIN_TOKEN, 'sk-wrong-but-secret-token', 'a very private prompt']) {
    t.false(all.includes(secret), secret);
  }
  // The refused token's request is logged (as a warning), only without the token.
  t.like(
    gw.logs.find((entry) => entry.reqId === 'secret-wrong-token' && typeof entry.status === 'number'),
    { status: 401, level: 'warn' },
  );
});

test.serial('CORS: any origin by default, preflight answered before authentication', async (t) => {
  const preflight = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.is(preflight.status, 204);
  t.is(preflight.headers.get('access-control-allow-origin'), '*');
  t.regex(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  t.is(preflight.headers.get('access-control-allow-headers'), 'authorization,content-type');
  t.is(preflight.headers.get('access-control-allow-credentials'), null);

  const actual = await fetch(`${gw.baseURL}/models`, { headers: { origin: 'https://chat.example.com', authorization: `Bearer ${CLIENT_TOKEN}` } });
  t.is(actual.headers.get('access-control-allow-origin'), '*');
  t.regex(actual.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
});

test.serial('CORS: an origin list is enforced, with credentials when asked', async (t) => {
  const strict = await startGateway({ CORS_ORIGINS: 'https://a.example,https://b.example', CORS_ALLOW_CREDENTIALS: 'true' });
  try {
    const allowed = await fetch(`${strict.url}/health`, { headers: { origin: 'https://b.example' } });
    t.is(allowed.headers.get('access-control-allow-origin'), 'https://b.example');
    t.is(allowed.headers.get('access-control-allow-credentials'), 'true');
    t.regex(allowed.headers.get('vary') ?? '', /Origin/);
    const other = await fetch(`${strict.url}/health`, { headers: { origin: 'https://evil.example' } });
    t.is(other.headers.get('access-control-allow-origin'), null);
  } finally {
    await strict.close();
  }
});

test.serial('with no tokens configured the gateway is open', async (t) => {
  const open = await startGateway({ ALLOWED_TOKENS: '', OPENAI_API_KEY: 'sk-open-000000000000001', OPENAI_BASE_URL: upstream.url });
  try {
    const response = await fetch(`${open.baseURL}/models`);
    t.is(response.status, 200);
    t.is(((await (await fetch(`${open.url}/`)).json()) as { auth: string }).auth, 'open');
  } finally {
    await open.close();
  }
});

test.serial('legacy ENABLE_CHECK_APIKEY + api_keys_whitelist is honoured', async (t) => {
  const legacy = await startGateway({ ALLOWED_TOKENS: '', ENABLE_CHECK_APIKEY: 'True', api_keys_whitelist: 'sk-legacy-one,sk-legacy-two', OPENAI_API_KEY: 'sk-open-000000000000001', OPENAI_BASE_URL: upstream.url });
  try {
    t.is((await fetch(`${legacy.baseURL}/models`)).status, 401);
    t.is((await fetch(`${legacy.baseURL}/models`, { headers: { authorization: 'Bearer sk-legacy-two' } })).status, 200);
    t.is((await fetch(`${legacy.baseURL}/models`, { headers: { authorization: 'Bearer sk-legacy-three' } })).status, 401);
  } finally {
    await legacy.close();
  }
});
