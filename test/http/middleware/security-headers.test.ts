import test from 'ava';
import { startFakeOpenAI } from '../../fakes/openai-upstream.js';
import { CLIENT_TOKEN, startGateway } from '../../helpers/gateway.js';

const ADMIN = 'sk-admin-for-security-header-tests-01';

test('every answer says nosniff and no-referrer; the console and playground pages may not be framed and load only their own files', async (t) => {
  const upstream = await startFakeOpenAI();
  const gw = await startGateway({ OPENAI_API_KEY: 'sk-upstream-key-for-header-tests-0001', OPENAI_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  const chat = (body: unknown) =>
    fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answers = {
    health: await fetch(`${gw.url}/health`),
    json: await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    stream: await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    // The upstream's own bytes, passed through.
    passthrough: await fetch(`${gw.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', input: 'hi' }),
    }),
    clientError: await chat({ model: 'gpt-4o-mini' }),
    unknownRoute: await fetch(`${gw.url}/nowhere`),
    unauthenticated: await fetch(`${gw.url}/admin/api/upstream-keys`),
  };
  t.is(answers.passthrough.status, 200);
  for (const [name, response] of Object.entries(answers)) {
    await response.text();
    t.regex(response.headers.get('x-request-id') ?? '', /^[\w-]{8,}$/, name);
    t.is(response.headers.get('x-content-type-options'), 'nosniff', name);
    t.is(response.headers.get('referrer-policy'), 'no-referrer', name);
    t.is(response.headers.get('x-frame-options'), null, `${name}: only pages carry page headers`);
  }
  for (const path of ['/admin', '/chat']) {
    const page = await fetch(`${gw.url}${path}`);
    t.is(page.status, 200, path);
    t.is(page.headers.get('x-frame-options'), 'DENY', path);
    const policy = page.headers.get('content-security-policy') ?? '';
    t.regex(policy, /default-src 'self'/, path);
    t.regex(policy, /frame-ancestors 'none'/, path);
    t.notRegex(policy, /unsafe-inline|unsafe-eval/, path);
    t.is(page.headers.get('x-content-type-options'), 'nosniff', path);
  }
});

test('CORS answers browser clients on the API, never on the admin routes', async (t) => {
  const gw = await startGateway({ AUTH_TOKEN: ADMIN });
  t.teardown(() => gw.close());
  const preflight = (path: string) =>
    fetch(`${gw.url}${path}`, { method: 'OPTIONS', headers: { origin: 'https://chat.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } });
  const api = await preflight('/v1/chat/completions');
  t.is(api.headers.get('access-control-allow-origin'), '*');
  const admin = await preflight('/admin/api/upstream-keys');
  t.is(admin.headers.get('access-control-allow-origin'), null);
  const adminCall = await fetch(`${gw.url}/admin/api/upstream-keys`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${ADMIN}` } });
  t.is(adminCall.headers.get('access-control-allow-origin'), null, 'a page elsewhere cannot read the admin API');
});
