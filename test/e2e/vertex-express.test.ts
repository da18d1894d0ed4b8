import test, { type ExecutionContext } from 'ava';
import { GoogleGenAI } from '@google/genai';
import { FakeGeminiUpstream, googleError } from '../fakes/gemini-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { gatewayInFrontOf, type RunningGateway, startGateway } from '../helpers/gateway.js';

// Vertex AI express-mode keys (gemini-balance's VERTEX_API_KEYS) are a Gemini upstream of their own, served on
// `/vertex-express/v1beta`, with a pool apart from API_KEYS.

const ADMIN = 'sk-admin-for-vertex-express-tests-01';
const GEMINI_KEY = 'AIzaSyGeminiPoolKeyForVertexTests00001';
const VERTEX_KEYS = ['AQ.VertexExpressKeyForTests0000000001', 'AQ.VertexExpressKeyForTests0000000002'];

const setUp = (t: ExecutionContext, env: Record<string, string> = {}) =>
  gatewayInFrontOf(t, new FakeGeminiUpstream(), (fake) => ({
    API_KEYS: JSON.stringify([GEMINI_KEY]),
    BASE_URL: fake.url,
    VERTEX_API_KEYS: JSON.stringify(VERTEX_KEYS),
    VERTEX_EXPRESS_BASE_URL: fake.vertexUrl,
    AUTH_TOKEN: ADMIN,
    ...env,
  }));

const vertexClient = (gw: RunningGateway) => new GoogleGenAI({ apiKey: ADMIN, httpOptions: { baseUrl: `${gw.url}/vertex-express` } });

type PoolView = { keys: { key: string; status: string }[] };

test('the @google/genai SDK on /vertex-express/v1beta reaches Vertex’s publisher-model path with the Vertex keys, in turn', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'text', text: 'From Vertex.' }, { kind: 'text', text: 'From Vertex again.' });
  const client = vertexClient(gw);
  t.is((await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })).text, 'From Vertex.');
  t.is((await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })).text, 'From Vertex again.');
  t.deepEqual(
    fake.calls.map((call) => call.path),
    ['/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent', '/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent'],
  );
  t.deepEqual(fake.calls.map((call) => call.apiKey).sort(), [...VERTEX_KEYS].sort(), 'both keys used, one per call');
  // Google's SDK sends an express-mode key in x-goog-api-key too; it never goes into the URL.
  t.true(fake.calls.every((call) => call.keySource === 'header' && call.query.key === undefined));
});

test('streaming with alt=sse goes through as Vertex’s server-sent events', async (t) => {
  const { fake, gw } = await setUp(t);
  fake.enqueue({ kind: 'text', text: 'One two three four.', pieces: 3 });
  let text = '';
  for await (const chunk of await vertexClient(gw).models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'count' })) text += chunk.text ?? '';
  t.is(text, 'One two three four.');
  t.is(fake.calls[0]!.path, '/v1beta1/publishers/google/models/gemini-2.5-flash:streamGenerateContent');
  t.is(fake.calls[0]!.query.alt, 'sse');
  t.true(VERTEX_KEYS.includes(fake.calls[0]!.apiKey!));
});

test('a Vertex key answered 401 is retired from the Vertex pool, the call succeeds on the other, and the Gemini pool is untouched', async (t) => {
  const { fake, gw } = await setUp(t, { MAX_FAILURES: '1' });
  const [bad, good] = VERTEX_KEYS as [string, string];
  fake.script = (request) => (request.apiKey === bad ? { kind: 'error', status: 401, body: googleError(401, 'UNAUTHENTICATED', 'API keys are not supported by this API.') } : undefined);
  const client = vertexClient(gw);
  for (let call = 0; call < 2; call += 1) t.truthy((await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })).text);
  t.is(fake.calls.filter((call) => call.apiKey === bad).length, 1, 'the bad key was tried once, then left out');
  t.is(fake.calls.filter((call) => call.apiKey === good).length, 2);
  const admin = adminApi(gw, ADMIN);
  const vertex = (await admin.get<PoolView>('/admin/api/upstream-keys/vertex-express')).body.keys;
  t.deepEqual(vertex.map((key) => key.status).sort(), ['invalid', 'valid']);
  const gemini = (await admin.get<PoolView>('/admin/api/upstream-keys/gemini')).body.keys;
  t.deepEqual(gemini.map((key) => key.status), ['valid']);
});

test('only the native prefix reaches Vertex: OpenAI routes send Gemini names to Gemini, refuse `vertex-express/…`, and list no Vertex models', async (t) => {
  const { fake, gw } = await setUp(t);
  const chat = await gw.client().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
  t.truthy(chat.choices[0]!.message.content);
  t.is(fake.calls[0]!.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  t.is(fake.calls[0]!.apiKey, GEMINI_KEY);
  const error = await t.throwsAsync(gw.client().chat.completions.create({ model: 'vertex-express/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] }));
  t.is((error as { status?: number }).status, 404);
  t.is(fake.calls.length, 1, 'the refused call never went upstream');
  const models = await gw.client().models.list();
  t.false(models.data.some((model) => model.owned_by === 'vertex-express' || model.id.startsWith('vertex-express/')));
});

test('GET /vertex-express/v1beta/models lists Gemini’s models on the Gemini pool, as gemini-balance does (express mode has no list)', async (t) => {
  const { fake, gw } = await setUp(t);
  const response = await fetch(`${gw.url}/vertex-express/v1beta/models`, { headers: { 'x-goog-api-key': ADMIN } });
  t.is(response.status, 200);
  const body = (await response.json()) as { models: { name: string }[] };
  t.true(body.models.some((model) => model.name === 'models/gemini-2.5-flash'));
  const listing = fake.requests.find((request) => request.action === 'listModels')!;
  t.is(listing.path, '/v1beta/models');
  t.is(listing.apiKey, GEMINI_KEY);
});

test('without VERTEX_API_KEYS the routes answer 404 in Google’s shape, and a gemini-balance .env with them starts without a warning', async (t) => {
  const plain = await startGateway({ API_KEYS: JSON.stringify([GEMINI_KEY]), AUTH_TOKEN: ADMIN });
  t.teardown(() => plain.close());
  const missing = await fetch(`${plain.url}/vertex-express/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: 'POST',
    headers: { 'x-goog-api-key': ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
  });
  t.is(missing.status, 404);
  t.is(((await missing.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');

  const balance = await startGateway({ API_KEYS: JSON.stringify([GEMINI_KEY]), VERTEX_API_KEYS: VERTEX_KEYS.join(','), VERTEX_EXPRESS_BASE_URL: 'https://aiplatform.googleapis.com/v1beta1/publishers/google' });
  t.teardown(() => balance.close());
  t.false(balance.logs.some((line) => String(line.msg).startsWith('gemini-balance settings')));
  const status = (await (await fetch(`${balance.url}/health`)).json()) as unknown;
  t.regex(JSON.stringify(status), /vertex-express/);
});
