import test from 'ava';
import OpenAI from 'openai';
import { bearerKeyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { CLIENT_TOKEN, gatewayInFrontOf } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = 'sk-admin-token-for-byok-tests-0001';
const OWN_KEY = 'sk-my-own-dashscope-key-0123456789abcdef';

test('BYOK: the caller’s own key goes upstream, is never stored or logged, and appears only as a short hash', async (t) => {
  const fake = Object.assign(new FakeOpenAIUpstream(), { pathPrefix: '/compatible-mode/v1' });
  const { gw } = await gatewayInFrontOf(t, fake, ({ origin }) => ({
    DASHSCOPE_BASE_URL: `${origin}/compatible-mode/v1`,
    BYOK_PROVIDERS: 'dashscope',
    AUTH_TOKEN: ADMIN,
  }));
  const admin = adminApi(gw, ADMIN);
  const client = gw.client(OWN_KEY);

  const reply = await client.chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'hi' }] });
  t.is(reply.choices[0]!.message.content, 'You said: hi');
  t.is(bearerKeyOf(fake.last), OWN_KEY);
  const stream = await client.chat.completions.create({ model: 'dashscope/qwen-max', messages: [{ role: 'user', content: 'stream' }], stream: true });
  let streamed = '';
  const ids = new Set<string>();
  for await (const chunk of stream) {
    ids.add(chunk.id);
    streamed += chunk.choices[0]?.delta.content ?? '';
  }
  t.is(streamed, 'You said: stream');
  t.is(ids.size, 1, 'every chunk of one completion carries its id');
  t.is(fake.last.body?.model, 'qwen-max');
  t.is(bearerKeyOf(fake.last), OWN_KEY);

  // The upstream refusing the caller's key is the caller's 401, and retires nothing.
  fake.script = () => ({ kind: 'error', status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } });
  await t.throwsAsync(client.chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'x' }] }), { instanceOf: OpenAI.AuthenticationError });
  fake.script = () => undefined;

  // A token the gateway does not know is not a key for other providers or routes.
  await t.throwsAsync(client.models.list(), { instanceOf: OpenAI.AuthenticationError });
  // A gateway token does not reach a BYOK provider that has no keys of its own, and is never sent upstream.
  const before = fake.requests.length;
  const gatewayToken = await t.throwsAsync(gw.client(CLIENT_TOKEN).chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'x' }] }), {
    instanceOf: OpenAI.AuthenticationError,
  });
  t.is(gatewayToken.code, 'own_key_required');
  t.is(fake.requests.length, before);

  type Log = { client_key: string; upstream_key: string; status: number };
  let logs: Log[] = [];
  await waitFor(async () => {
    logs = (await admin.get<{ data: Log[] }>('/admin/api/logs?provider=dashscope')).body.data;
    return logs.length === 4;
  }, 'four log records');
  const byokLogs = logs.filter((log) => log.client_key.startsWith('byok:'));
  t.is(byokLogs.length, 3);
  t.true(byokLogs.every((log) => /^byok:[0-9a-f]{8}$/.test(log.client_key) && log.upstream_key === `dashscope/${log.client_key}`));
  const pools = await admin.get('/admin/api/upstream-keys/dashscope');
  t.is(pools.body.total, 0);
  const everything = JSON.stringify([logs, pools.body, (await admin.get('/admin/api/logs/errors')).body, (await admin.get('/admin/api/stats')).body]) + gw.rawLogs.join('');
  t.false(everything.includes(OWN_KEY));
});

test('BYOK on a named OpenAI-compatible upstream, next to the gateway’s own keys for everything else', async (t) => {
  const fake = new FakeOpenAIUpstream();
  const { gw } = await gatewayInFrontOf(t, fake, ({ url }) => ({
    OPENAI_API_KEY: 'sk-gateway-openai-key-00000000001',
    OPENAI_BASE_URL: url,
    OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([{ name: 'public', base_url: url, byok: true }]),
  }));
  await gw.client('sk-someone-elses-key-000000000001').chat.completions.create({ model: 'public/gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  t.is(bearerKeyOf(fake.last), 'sk-someone-elses-key-000000000001');
  await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  t.is(bearerKeyOf(fake.last), 'sk-gateway-openai-key-00000000001');
  await t.throwsAsync(gw.client('sk-someone-elses-key-000000000001').chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }), {
    instanceOf: OpenAI.AuthenticationError,
  });
});

test('a BYOK provider whose keys are all added or all deleted at run time is seen as such', async (t) => {
  const fake = Object.assign(new FakeOpenAIUpstream(), { pathPrefix: '/compatible-mode/v1' });
  const { gw } = await gatewayInFrontOf(t, fake, ({ origin }) => ({ DASHSCOPE_BASE_URL: `${origin}/compatible-mode/v1`, BYOK_PROVIDERS: 'dashscope', AUTH_TOKEN: ADMIN }));
  const admin = adminApi(gw, ADMIN);
  const ask = () => gw.client(CLIENT_TOKEN).chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'hi' }] });
  const refused = await t.throwsAsync(ask(), { instanceOf: OpenAI.AuthenticationError });
  t.is(refused.code, 'own_key_required', 'no keys of its own: callers must bring theirs');

  const POOL_KEY = 'sk-dashscope-pool-key-added-at-runtime-01';
  t.is((await admin.post('/admin/api/upstream-keys/dashscope', { keys: [POOL_KEY] })).status, 201);
  const served = await ask();
  t.is(served.choices[0]!.message.content, 'You said: hi');
  t.is(bearerKeyOf(fake.last), POOL_KEY, 'a key added at run time serves gateway tokens');

  const { body } = await admin.get<{ keys: { id: string }[] }>('/admin/api/upstream-keys/dashscope');
  t.is((await admin.delete(`/admin/api/upstream-keys/dashscope/${body.keys[0]!.id}`)).status, 200);
  const again = await t.throwsAsync(ask(), { instanceOf: OpenAI.AuthenticationError });
  t.is(again.code, 'own_key_required', 'every key deleted: back to bring-your-own');
});
