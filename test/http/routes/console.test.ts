import test from 'ava';
import type Router from '@koa/router';
import { FakeOpenAIUpstream } from '../../fakes/openai-upstream.js';
import { adminApi } from '../../helpers/admin-api.js';
import { CLIENT_TOKEN, type RunningGateway, startGateway } from '../../helpers/gateway.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

// The console's session against the real gateway over HTTP: sign-in, the cookie, CSRF and origin checks on every
// operator route, sign-out, sessions shared through Redis, and the built pages served compressed.

const ADMIN = 'sk-admin-token-for-console-api-0001';

interface Session {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(gw: RunningGateway, token = ADMIN, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}/admin/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: gw.url, ...headers },
    body: JSON.stringify({ token }),
  });
}

async function session(gw: RunningGateway): Promise<Session> {
  const response = await signIn(gw);
  if (response.status !== 201) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const { csrf_token: csrf } = (await response.json()) as { csrf_token: string };
  return { cookie: setCookie.split(';')[0]!, csrf, setCookie };
}

/** Every route the gateway serves under /admin/api and /v1/keys, with its methods. */
function operatorRoutes(gw: RunningGateway): { method: string; path: string }[] {
  // @koa/router's middleware carries its router; its layers are the routes.
  const routers = gw.gateway.app.middleware.flatMap((middleware) => (middleware as unknown as { router?: Router }).router ?? []);
  const sample = (_: string, name: string) => (name === 'provider' ? 'openai' : name === 'revision' ? '0' : 'x');
  return routers
    .flatMap((router) => router.stack)
    .map((layer) => ({ path: String(layer.path), methods: layer.methods }))
    .filter(({ path }) => /^\/(admin\/api|v1\/keys)\//.test(path) && path !== '/admin/api/session')
    .flatMap(({ path, methods }) => methods.filter((method) => method !== 'HEAD').map((method) => ({ method, path: path.replace(/:(\w+)/g, sample) })));
}

const call = (gw: RunningGateway, method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  fetch(`${gw.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify(body ?? {}) });

test('sign-in: the admin token gives an HttpOnly SameSite=Strict session cookie with an expiry; other tokens never do', async (t) => {
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, AUTH_MAX_FAILURES: '3', CONSOLE_SESSION_HOURS: '2' });
  t.teardown(() => gw.close());
  const { key: clientKey } = await adminApi(gw, ADMIN).createKey({ name: 'not an operator' });

  const opened = await session(gw);
  t.regex(opened.setCookie, /^gw_console=[\w-]{43}; Path=\/; Max-Age=7200; HttpOnly; SameSite=Strict$/);
  t.regex(opened.csrf, /^[\w-]{43}$/);
  const current = await fetch(`${gw.url}/admin/api/session`, { headers: { cookie: opened.cookie } });
  t.is(current.status, 200);
  t.is(((await current.json()) as { csrf_token: string }).csrf_token, opened.csrf);
  t.is(current.headers.get('cache-control'), 'no-store');

  for (const token of [clientKey, CLIENT_TOKEN]) {
    const refused = await signIn(gw, token);
    t.is(refused.status, 403, 'a client key or ALLOWED_TOKENS token never opens the console');
    t.is(refused.headers.get('set-cookie'), null);
  }
  t.is((await signIn(gw, ADMIN, { origin: 'https://evil.example' })).status, 403, 'no sign-in from another site');
  t.is((await signIn(gw, '')).status, 400);
  // Wrong tokens are throttled as on the API: AUTH_MAX_FAILURES=3, then the address is refused for a while.
  for (let attempt = 0; attempt < 3; attempt++) t.is((await signIn(gw, `sk-wrong-${attempt}-000000000000000000`)).status, 401);
  const locked = await signIn(gw);
  t.is(locked.status, 429);
  t.is(((await locked.json()) as { error: { code: string } }).error.code, 'too_many_auth_failures');
  t.false(gw.rawLogs.some((line) => line.includes(ADMIN) || line.includes(opened.cookie.split('=')[1]!) || line.includes(opened.csrf)));
});

test('behind a trusted HTTPS proxy the cookie is Secure with the __Host- prefix', async (t) => {
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, TRUST_PROXY: 'true' });
  t.teardown(() => gw.close());
  const host = new URL(gw.url).host;
  const response = await signIn(gw, ADMIN, { 'x-forwarded-proto': 'https', origin: `https://${host}` });
  t.is(response.status, 201);
  t.regex(response.headers.get('set-cookie') ?? '', /^__Host-gw_console=[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
  t.is((await fetch(`${gw.url}/admin/api/stats`, { headers: { cookie, 'x-forwarded-proto': 'https' } })).status, 200);
});

test('every operator route takes the session with its CSRF token from the same origin, and refuses client keys, no session and cross-site requests', async (t) => {
  const fake = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, OPENAI_API_KEY: 'sk-upstream-key-for-route-tests-01', OPENAI_BASE_URL: fake.url });
  t.teardown(async () => {
    await gw.close();
    await fake.stop();
  });
  const { cookie, csrf } = await session(gw);
  const { key: clientKey } = await adminApi(gw, ADMIN).createKey({ name: 'client' });
  const routes = operatorRoutes(gw);
  t.true(routes.length >= 25, `${routes.length} routes`);
  for (const { method, path } of routes) {
    const name = `${method} ${path}`;
    t.is((await call(gw, method, path, {})).status, 401, `${name}: no session, no token`);
    t.is((await call(gw, method, path, { authorization: `Bearer ${clientKey}` })).status, 403, `${name}: client key`);
    t.is((await call(gw, method, path, { authorization: `Bearer ${CLIENT_TOKEN}` })).status, 403, `${name}: ALLOWED_TOKENS`);
    t.is((await call(gw, method, path, { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf })).status, 403, `${name}: another origin`);
    t.is((await call(gw, method, path, { cookie, 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf })).status, 403, `${name}: cross-site`);
    if (method !== 'GET') {
      t.is((await call(gw, method, path, { cookie, origin: gw.url })).status, 403, `${name}: no CSRF token`);
      t.is((await call(gw, method, path, { cookie, origin: gw.url, 'x-csrf-token': 'wrong' })).status, 403, `${name}: wrong CSRF token`);
      t.is((await call(gw, method, path, { cookie, 'x-csrf-token': csrf })).status, 403, `${name}: neither Origin nor Sec-Fetch-Site`);
    }
    const allowed = await call(gw, method, path, { cookie, origin: gw.url, 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrf });
    t.true(allowed.status !== 401 && allowed.status !== 403, `${name}: the session passes (${allowed.status})`);
  }

  // The chat endpoints take the session too (the playground), with the same checks for POST.
  const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
  t.is((await call(gw, 'POST', '/v1/chat/completions', { cookie, origin: gw.url }, chat)).status, 403);
  t.is((await call(gw, 'POST', '/v1/chat/completions', { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf }, chat)).status, 403);
  t.is((await call(gw, 'POST', '/v1/chat/completions', { cookie, origin: gw.url, 'x-csrf-token': csrf }, chat)).status, 200);
  t.is((await call(gw, 'GET', '/v1/models', { cookie })).status, 200);
  t.is((await call(gw, 'GET', '/v1/models', { cookie: 'gw_console=forged-session-id' })).status, 401);

  // Signing out ends the session on the server: the same cookie opens nothing afterwards.
  t.is((await call(gw, 'DELETE', '/admin/api/session', { cookie, origin: gw.url })).status, 403, 'sign-out needs the CSRF token');
  const out = await call(gw, 'DELETE', '/admin/api/session', { cookie, origin: gw.url, 'x-csrf-token': csrf });
  t.is(out.status, 200);
  t.regex(out.headers.get('set-cookie') ?? '', /Max-Age=0/);
  const after = await call(gw, 'GET', '/admin/api/stats', { cookie });
  t.is(after.status, 401);
  t.is(((await after.json()) as { error: { code: string } }).error.code, 'session_expired');
});

test('with Redis, a session opened on one instance works on another, and Redis holds only the hash of its id', async (t) => {
  const env = { AUTH_TOKEN: ADMIN, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniquePrefix() };
  const [one, two] = await Promise.all([startGateway(env), startGateway(env)]);
  t.teardown(async () => {
    await one.close();
    await two.close();
    await deleteKeys(TEST_REDIS_URL, env.REDIS_KEY_PREFIX);
  });
  const { cookie, csrf } = await session(one);
  t.is((await call(two, 'GET', '/admin/api/stats', { cookie })).status, 200);
  const { Redis } = await import('ioredis');
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(() => redis.disconnect());
  const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}console:session:*`);
  t.is(keys.length, 1);
  const id = cookie.split('=')[1]!;
  t.false(keys[0]!.includes(id));
  t.false((await redis.get(keys[0]!))!.includes(id));
  t.true((await redis.pttl(keys[0]!)) > 0);
  t.is((await call(two, 'DELETE', '/admin/api/session', { cookie, origin: two.url, 'x-csrf-token': csrf })).status, 200);
  t.is((await call(one, 'GET', '/admin/api/stats', { cookie })).status, 401, 'signed out everywhere');
});

test('the console and playground pages and their assets are served precompressed, pages revalidated and assets cached for good', async (t) => {
  const gw = await startGateway({ AUTH_TOKEN: ADMIN });
  t.teardown(() => gw.close());
  for (const path of ['/admin', '/chat']) {
    const page = await fetch(`${gw.url}${path}`, { headers: { 'accept-encoding': 'br, gzip' } });
    t.is(page.status, 200);
    t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
    t.is(page.headers.get('cache-control'), 'no-cache');
    t.regex(page.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    t.is(page.headers.get('x-frame-options'), 'DENY');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    t.true(assets.some((asset) => asset.endsWith('.js')));
    for (const asset of assets) {
      const br = await fetch(`${gw.url}${asset}`, { headers: { 'accept-encoding': 'br' } });
      t.is(br.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      if (asset.endsWith('.js')) t.is(br.headers.get('content-encoding'), 'br', asset);
      await br.arrayBuffer();
      const gzip = await fetch(`${gw.url}${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      if (asset.endsWith('.js')) t.is(gzip.headers.get('content-encoding'), 'gzip');
      await gzip.arrayBuffer();
    }
    const etag = page.headers.get('etag')!;
    t.is((await fetch(`${gw.url}${path}`, { headers: { 'if-none-match': etag } })).status, 304);
  }
  t.is((await fetch(`${gw.url}/ui/assets/nothing.js`)).status, 404);
});

test('the usage timeline: calls, tokens and latency percentiles per window, split by model, upstream and client key', async (t) => {
  const fake = await new FakeOpenAIUpstream().start();
  fake.script = () => ({ kind: 'reply', text: 'ok', headerDelayMs: 120 });
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, OPENAI_API_KEY: 'sk-upstream-key-for-timeline-0001', OPENAI_BASE_URL: fake.url });
  t.teardown(async () => {
    await gw.close();
    await fake.stop();
  });
  const admin = adminApi(gw, ADMIN);
  const { key, id } = await admin.createKey({ name: 'timeline' });
  for (let call = 0; call < 3; call++) await gw.client(key).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  await new Promise((resolve) => setTimeout(resolve, 1200));
  interface Point { requests: number; total_tokens: number; p50_ms: number | null; p95_ms: number | null }
  const { status, body } = await admin.get<{ windows: string[]; total: Point[]; by_model: Record<string, Point[]>; by_provider: Record<string, Point[]>; by_client_key: Record<string, Point[]>; client_key_names: Record<string, string> }>(
    '/admin/api/usage/timeline?span=hour',
  );
  t.is(status, 200);
  t.is(body.windows.length, 60);
  const sum = (points: Point[]) => points.reduce((total, point) => total + point.requests, 0);
  t.is(sum(body.total), 3);
  t.is(sum(body.by_model['gpt-4o']!), 3);
  t.is(sum(body.by_provider.openai!), 3);
  t.is(sum(body.by_client_key[id]!), 3);
  t.is(body.client_key_names[id], 'timeline');
  const busy = body.total.find((point) => point.requests > 0)!;
  // The fake holds each answer 120 ms: the recorded latency cannot be less (an upper bound would time the machine).
  t.true(busy.p50_ms! >= 100, String(busy.p50_ms));
  t.true(busy.p95_ms! >= busy.p50_ms!);
  t.is((await admin.get('/admin/api/usage/timeline?span=day')).body.windows instanceof Array, true);
  t.is((await admin.get<{ windows: string[] }>('/admin/api/usage/timeline?span=month')).body.windows.length, 30);
  const bad = await admin.get<{ error: { type: string } }>('/admin/api/usage/timeline?span=week');
  t.is(bad.status, 400);
  t.is(bad.body.error.type, 'invalid_request_error');
});
