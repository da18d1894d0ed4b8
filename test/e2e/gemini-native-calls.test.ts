import test, { type ExecutionContext } from 'ava';
import { GoogleGenAI } from '@google/genai';
import { apiKeyInvalidError, FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { adminApi, awayFromMinuteEnd } from '../helpers/admin-api.js';
import { gatewayInFrontOf, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// Gemini's native model calls take the same path as the chat route: admission, limits, BYOK, metering, errors.

const ADMIN = 'sk-admin-for-native-call-tests-0001';
const POOL_KEY = 'AIzaSyNativeCallPoolKey000000000000001';
const OWN_KEY = 'AIzaSyCallerOwnGeminiKey0000000000000009';

const setUp = (t: ExecutionContext, env: Record<string, string> = {}) =>
  gatewayInFrontOf(t, new FakeGeminiUpstream(), (fake) => ({ API_KEYS: JSON.stringify([POOL_KEY]), BASE_URL: fake.url, AUTH_TOKEN: ADMIN, ...env }));

const genai = (gw: RunningGateway, key: string) => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: gw.url } });
const generate = (gw: RunningGateway, key: string, model = 'gemini-2.5-flash') =>
  fetch(`${gw.url}/v1beta/models/${model}:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });

type ErrorBody = { error: { code: number; message: string; status: string } };

test('a client key over its requests-per-minute limit gets 429 in Google’s shape with Retry-After, and the refusal is logged', async (t) => {
  await awayFromMinuteEnd();
  const { fake, gw } = await setUp(t);
  const admin = adminApi(gw, ADMIN);
  const { id, key } = await admin.createKey({ name: 'native-limited', limits: { rpm: 1 } });
  t.is((await generate(gw, key)).status, 200);
  const refused = await generate(gw, key);
  t.is(refused.status, 429);
  t.truthy(refused.headers.get('retry-after'));
  const body = (await refused.json()) as ErrorBody;
  t.is(body.error.status, 'RESOURCE_EXHAUSTED');
  t.regex(body.error.message, /Rate limit reached for this API key on requests per minute \(rpm\)/);
  t.is(fake.calls.length, 1, 'the refused call never went upstream');
  await waitFor(async () => (await admin.get<{ data: { status: number }[] }>(`/admin/api/logs?client_key=${id}`)).body.data.length === 2, 'both calls logged');
  const logs = (await admin.get<{ data: { status: number; endpoint: string }[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
  t.deepEqual(logs.map((log) => [log.endpoint, log.status]), [['gemini', 429], ['gemini', 200]]);
});

test('a disabled client key and a model outside its allowlist are refused in Google’s shape before any upstream call', async (t) => {
  const { fake, gw } = await setUp(t);
  const admin = adminApi(gw, ADMIN);
  const { id, key } = await admin.createKey({ name: 'native-allowlist', models: ['gemini-2.5-flash'] });
  const outside = await generate(gw, key, 'gemini-2.5-pro');
  t.is(outside.status, 403);
  t.is(((await outside.json()) as ErrorBody).error.status, 'PERMISSION_DENIED');
  t.is((await generate(gw, key, 'gemini-2.5-flash')).status, 200, 'a bare name on the allowlist passes');
  t.is((await admin.post(`/admin/api/client-keys/${id}/disable`)).status, 200);
  const disabled = await generate(gw, key);
  t.is(disabled.status, 401);
  t.is(((await disabled.json()) as ErrorBody).error.status, 'UNAUTHENTICATED');
  t.is(fake.calls.length, 1);
});

test('BYOK: with gemini in BYOK_PROVIDERS a caller’s own key goes upstream on the native API and is logged only as a hash', async (t) => {
  const { fake, gw } = await setUp(t, { BYOK_PROVIDERS: 'gemini' });
  const admin = adminApi(gw, ADMIN);
  fake.enqueue({ kind: 'text', text: 'Answered with your own key.' });
  const reply = await genai(gw, OWN_KEY).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' });
  t.is(reply.text, 'Answered with your own key.');
  t.is(fake.calls[0]!.apiKey, OWN_KEY);
  // Gemini's other spelling, `?key=`, carries the caller's key the same way (and never travels upstream as a query).
  fake.enqueue({ kind: 'text', text: 'Again with your own key.' });
  const byQuery = await fetch(`${gw.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${OWN_KEY}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });
  t.is(byQuery.status, 200);
  t.is(fake.calls[1]!.apiKey, OWN_KEY);
  t.is(fake.calls[1]!.keySource, 'header');
  const listing = await fetch(`${gw.url}/v1beta/models`, { headers: { 'x-goog-api-key': OWN_KEY } });
  t.is(listing.status, 401, 'an own key is good for model calls only');
  type Log = { client_key: string; upstream_key: string; endpoint: string };
  let logs: Log[] = [];
  await waitFor(async () => {
    logs = (await admin.get<{ data: Log[] }>('/admin/api/logs?provider=gemini')).body.data;
    return logs.length === 2;
  }, 'the calls logged');
  t.regex(logs[0]!.client_key, /^byok:[0-9a-f]{8}$/);
  t.is(logs[0]!.upstream_key, `gemini/${logs[0]!.client_key}`);
  t.false((JSON.stringify(logs) + gw.rawLogs.join('')).includes(OWN_KEY));
});

test('a pool key Google calls invalid is retired, the call succeeds on the next key, and the failed attempt is in the error log as a 401', async (t) => {
  const second = 'AIzaSyNativeCallPoolKey000000000000002';
  const { fake, gw } = await setUp(t, { API_KEYS: JSON.stringify([POOL_KEY, second]) });
  const admin = adminApi(gw, ADMIN);
  fake.enqueue({ kind: 'error', status: 400, body: apiKeyInvalidError() });
  t.is((await generate(gw, ADMIN)).status, 200);
  t.deepEqual(fake.calls.map((call) => call.apiKey), [POOL_KEY, second]);
  type ErrorLog = { provider: string; status: number; model: string };
  let errors: ErrorLog[] = [];
  await waitFor(async () => {
    errors = (await admin.get<{ data: ErrorLog[] }>('/admin/api/logs/errors')).body.data;
    return errors.length === 1;
  }, 'the failed attempt logged');
  t.deepEqual([errors[0]!.provider, errors[0]!.status, errors[0]!.model], ['gemini', 401, 'gemini-2.5-flash']);
  t.regex(JSON.stringify(gw.logs.find((line) => line.path === '/v1beta/models/gemini-2.5-flash:generateContent')), /"attempts":2/);
});

test('an empty pool: 503 in Google’s shape, and an unknown model action is a 404 in Google’s shape', async (t) => {
  const { gw } = await setUp(t);
  const admin = adminApi(gw, ADMIN);
  const keys = (await admin.get<{ keys: { id: string }[] }>('/admin/api/upstream-keys/gemini')).body.keys;
  t.is((await admin.post('/admin/api/upstream-keys/gemini/remove', { ids: keys.map((key) => key.id) })).status, 200);
  const unavailable = await generate(gw, ADMIN);
  t.is(unavailable.status, 503);
  t.is(((await unavailable.json()) as ErrorBody).error.status, 'UNAVAILABLE');
  const unknown = await fetch(`${gw.url}/v1beta/models/gemini-2.5-flash:tuneModel`, { method: 'POST', headers: { 'x-goog-api-key': ADMIN }, body: '{}' });
  t.is(unknown.status, 404);
  t.is(((await unknown.json()) as ErrorBody).error.status, 'NOT_FOUND');
});
