import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

// Model groups from the config file, end to end: the real gateway, the OpenAI SDK, one fake upstream per deployment.

const rateLimited = { kind: 'error' as const, status: 429, body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
const serverError = { kind: 'error' as const, status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } } };
const tooLong = {
  kind: 'error' as const,
  status: 400,
  body: { error: { message: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } },
};

/** Fakes named as upstreams, a config file whose `upstreams:` point at them, and a gateway reading it. */
async function setUp(t: ExecutionContext, names: string[], routes: string, env: Record<string, string> = {}) {
  const fakes = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await new FakeOpenAIUpstream().start()] as const)));
  const upstreams = names.map((name) => `  ${name}:\n    type: openai-compatible\n    base_url: ${fakes[name]!.url}\n    api_keys: [sk-${name}-key-000000000000000000]`).join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-groups-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `upstreams:\n${upstreams}\nroutes:\n${routes}`);
  const gw = await startGateway({ CONFIG_FILE: file, MAX_RETRIES: '1', ...env });
  t.teardown(async () => {
    await gw.close();
    await Promise.all(Object.values(fakes).map((fake) => fake.stop()));
  });
  return { fakes, gw };
}

const ask = (gw: RunningGateway, model: string, content = 'hi') => gw.client().chat.completions.create({ model, messages: [{ role: 'user', content }] });
const served = (fakes: Record<string, FakeOpenAIUpstream>) => Object.fromEntries(Object.entries(fakes).map(([name, fake]) => [name, fake.requests.length]));

test('weighted 3:1 over 400 calls lands 300 and 100, and each answer names the deployment that served it', async (t) => {
  const { fakes, gw } = await setUp(t, ['east', 'west'], `  gpt-4o:\n    strategy: weighted\n    targets:\n      - { upstream: east, model: gpt-4o-east, weight: 3 }\n      - { upstream: west, weight: 1 }\n`);
  const { data, response } = await ask(gw, 'gpt-4o').withResponse();
  t.is(data.choices[0]!.message.content, 'You said: hi');
  t.is(response.headers.get('x-gateway-upstream'), 'east');
  t.is(response.headers.get('x-gateway-model'), 'gpt-4o-east');
  t.is(fakes.east!.last.body?.model, 'gpt-4o-east');
  t.is(data.model, 'gpt-4o', 'the answer names the model the client asked for');
  for (let done = 1; done < 400; ) {
    const batch = Math.min(20, 400 - done);
    await Promise.all(Array.from({ length: batch }, () => ask(gw, 'gpt-4o')));
    done += batch;
  }
  t.deepEqual(served(fakes), { east: 300, west: 100 });
  t.is(fakes.west!.last.body?.model, 'gpt-4o', 'a target without a model gets the group’s name');
});

test('round-robin over three targets spreads exactly', async (t) => {
  const { fakes, gw } = await setUp(t, ['a', 'b', 'c'], `  gpt-4o:\n    targets: [{ upstream: a }, { upstream: b }, { upstream: c }]\n`);
  for (let call = 0; call < 30; call++) await ask(gw, 'gpt-4o');
  t.deepEqual(served(fakes), { a: 10, b: 10, c: 10 });
});

test('least-busy sends new calls away from a target holding slow streams', async (t) => {
  const { fakes, gw } = await setUp(t, ['slow', 'free'], `  gpt-4o:\n    strategy: least-busy\n    targets: [{ upstream: slow, model: gpt-4o-slow }, { upstream: free }]\n`);
  // The story stops after its first chunks and stays open until the client lets go: busy for as long as the test needs.
  fakes.slow!.script = () => ({ kind: 'reply', text: 'a long story told slowly', hangAfterChunks: 2 });
  // Both idle: the first call goes to the first target, and its stream holds it.
  const story = await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'story' }], stream: true });
  t.is(fakes.slow!.requests.length, 1);
  for (let call = 0; call < 5; call++) await ask(gw, 'gpt-4o');
  t.is(fakes.slow!.requests.length, 1, 'no new call went to the busy target');
  t.is(fakes.free!.requests.length, 5);
  const models = new Set<string>();
  let chunks = 0;
  for await (const chunk of story) {
    models.add(chunk.model);
    if (++chunks === 2) break;
  }
  t.is(fakes.slow!.last.body?.model, 'gpt-4o-slow');
  t.deepEqual([...models], ['gpt-4o'], 'every chunk names the group, not the upstream model');
});

test('lowest-latency prefers a deployment answering in 5 ms over one at 80 ms', async (t) => {
  const { fakes, gw } = await setUp(t, ['fast', 'slow'], `  gpt-4o:\n    strategy: lowest-latency\n    targets: [{ upstream: slow }, { upstream: fast }]\n`);
  fakes.fast!.script = () => ({ kind: 'reply', text: 'quick', headerDelayMs: 5 });
  fakes.slow!.script = () => ({ kind: 'reply', text: 'slow', headerDelayMs: 80 });
  for (let call = 0; call < 12; call++) await ask(gw, 'gpt-4o');
  t.is(fakes.slow!.requests.length, 1, 'measured once');
  t.is(fakes.fast!.requests.length, 11);
});

test('priority: a target answering 500s is ejected, the second serves meanwhile, and the first is probed back after its cool-off', async (t) => {
  const { fakes, gw } = await setUp(
    t,
    ['primary', 'backup'],
    `  gpt-4o:\n    strategy: priority\n    targets: [{ upstream: primary }, { upstream: backup }]\n    eject: { after_failures: 2, cool_off_ms: 1500 }\n`,
  );
  fakes.primary!.script = () => serverError;
  for (let call = 0; call < 2; call++) t.is((await ask(gw, 'gpt-4o')).choices[0]!.message.content, 'You said: hi');
  t.is(fakes.primary!.requests.length, 2);
  for (let call = 0; call < 3; call++) await ask(gw, 'gpt-4o');
  t.is(fakes.primary!.requests.length, 2, 'ejected: not called');
  t.is(fakes.backup!.requests.length, 5);
  fakes.primary!.script = () => undefined;
  await new Promise((resolve) => setTimeout(resolve, 1600));
  const { response } = await ask(gw, 'gpt-4o').withResponse();
  t.is(response.headers.get('x-gateway-upstream'), 'primary', 'probed back');
  await ask(gw, 'gpt-4o');
  t.is(fakes.primary!.requests.length, 4);
});

test('a group whose targets all answer 429 falls back to its named group; the error log has every hop', async (t) => {
  const { fakes, gw } = await setUp(
    t,
    ['one', 'two', 'spare'],
    `  gpt-4o:\n    targets: [{ upstream: one }, { upstream: two }]\n    fallbacks: { on_rate_limit: [spare-group] }\n  spare-group:\n    targets: [{ upstream: spare, model: gpt-4o-mini }]\n`,
  );
  fakes.one!.script = () => rateLimited;
  fakes.two!.script = () => rateLimited;
  const { data, response } = await ask(gw, 'gpt-4o').withResponse();
  t.is(data.choices[0]!.message.content, 'You said: hi');
  t.is(response.headers.get('x-gateway-upstream'), 'spare');
  t.is(response.headers.get('x-gateway-model'), 'gpt-4o-mini');
  t.deepEqual(served(fakes), { one: 1, two: 1, spare: 1 });
});

test('a context-window error falls back to the larger-context group; a plain client error does not fall back', async (t) => {
  const { fakes, gw } = await setUp(
    t,
    ['small', 'large'],
    `  gpt-4o:\n    targets: [{ upstream: small }]\n    fallbacks: { on_context_window: gpt-4o-long, on_error: [gpt-4o-long] }\n  gpt-4o-long:\n    targets: [{ upstream: large, model: gpt-4o-128k }]\n    rewrite_model: true\n`,
  );
  fakes.small!.script = () => tooLong;
  const { data, response } = await ask(gw, 'gpt-4o', 'a very long prompt').withResponse();
  t.is(response.headers.get('x-gateway-model'), 'gpt-4o-128k');
  t.is(data.model, 'gpt-4o-128k', 'rewrite_model shows the upstream’s model');
  fakes.small!.script = () => ({ kind: 'error', status: 400, body: { error: { message: "Invalid value for 'temperature'", type: 'invalid_request_error', param: 'temperature', code: null } } });
  const error = await t.throwsAsync(ask(gw, 'gpt-4o'), { instanceOf: OpenAI.BadRequestError });
  t.regex(error.message, /temperature/);
  t.is(fakes.large!.requests.length, 1);
});

test('a stream that fails after its first byte does not fall back: it ends with an error event, nothing replayed', async (t) => {
  const { fakes, gw } = await setUp(
    t,
    ['flaky', 'spare'],
    `  gpt-4o:\n    targets: [{ upstream: flaky }]\n    fallbacks: { on_error: [spare-group] }\n  spare-group:\n    targets: [{ upstream: spare }]\n`,
  );
  fakes.flaky!.script = () => ({ kind: 'reply', text: 'the first words and then nothing', failAfterChunks: 2 });
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${'sk-client-token-for-tests-0001'}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true }),
  });
  const text = await response.text();
  t.is(response.headers.get('x-gateway-upstream'), 'flaky');
  t.regex(text, /data: \{"error":/);
  t.false(text.includes('[DONE]'));
  t.is(fakes.spare!.requests.length, 0);
});

test('a broken config file is refused at start with the field’s path and line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-groups-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, 'routes:\n  gpt-4o:\n    targets:\n      - upstream: openai\n      - upstream: openai\n        weight: -1\n');
  const error = await t.throwsAsync(startGateway({ CONFIG_FILE: file, OPENAI_API_KEY: 'sk-test-key-0000000000000000000' }));
  t.regex(error.message, /routes\.gpt-4o\.targets\[1\]\.weight: expected a positive number, line 6/);
});

test('a config file token with a model map reaches the mapped group, is held to its groups, and /v1/models lists what it may use', async (t) => {
  const token = 'sk-file-token-with-routes-000000001';
  const { fakes, gw } = await setUp(
    t,
    ['east', 'cheap'],
    `  gpt-4o:\n    targets: [{ upstream: east }]\n  budget:\n    targets: [{ upstream: cheap, model: gpt-4o-mini }]\ntokens:\n  - token: ${token}\n    name: team-a\n    default_model: budget\n    model_map: { smart: gpt-4o, "claude-*": budget }\n    allowed_groups: [budget, gpt-4o]\n`,
  );
  const client = gw.client(token);
  const { response } = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  t.is(response.headers.get('x-gateway-upstream'), 'east');
  await client.chat.completions.create({ model: 'claude-sonnet-4', messages: [{ role: 'user', content: 'hi' }] });
  t.is(fakes.cheap!.last.body?.model, 'gpt-4o-mini');
  const refused = await t.throwsAsync(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), { instanceOf: OpenAI.PermissionDeniedError });
  t.is(refused.code, 'model_not_allowed');
  const listed = (await client.models.list()).data.map((model) => model.id).sort();
  t.deepEqual(listed, ['budget', 'gpt-4o', 'smart']);
  const everything = (await gw.client().models.list()).data.map((model) => model.id);
  t.true(everything.includes('gpt-4o') && everything.includes('budget'), 'a token without routes sees every group');
});

test('a hedged call answers from the fast target, and the slow one is seen aborting', async (t) => {
  const { fakes, gw } = await setUp(
    t,
    ['slow', 'fast'],
    `  gpt-4o:\n    strategy: priority\n    hedge_after_ms: 100\n    targets: [{ upstream: slow }, { upstream: fast }]\n`,
  );
  fakes.slow!.script = () => ({ kind: 'reply', text: 'too late', headerDelayMs: 3000 });
  const started = Date.now();
  const { data, response } = await ask(gw, 'gpt-4o').withResponse();
  t.is(data.choices[0]!.message.content, 'You said: hi');
  t.is(response.headers.get('x-gateway-upstream'), 'fast');
  t.true(Date.now() - started < 2000, 'not held up by the slow target');
  await fakes.slow!.waitForAbort();
  t.is(fakes.slow!.aborted.length, 1);
});

test('an admin-made client key with a model map reaches the mapped group, its allowlist naming the group, and lists its alias', async (t) => {
  const admin = 'sk-admin-for-model-group-tests-01';
  const { fakes, gw } = await setUp(t, ['east', 'cheap'], `  gpt-4o:\n    targets: [{ upstream: east }]\n  budget:\n    targets: [{ upstream: cheap, model: gpt-4o-mini }]\n`, {
    AUTH_TOKEN: admin,
  });
  const api = adminApi(gw, admin);
  const refusedMap = await api.post('/admin/api/client-keys', { name: 'bad', models: ['budget'], default_model: 'smart', model_map: { smart: 'gpt-4o' } });
  t.is(refusedMap.status, 400, 'a default model whose alias leads outside the allowlist is refused');
  const { id, key, view } = await api.createKey({ name: 'mapped', models: ['gpt-4o', 'budget'], model_map: { smart: 'gpt-4o', 'cheap-*': 'budget' } });
  t.deepEqual(view.model_map, { smart: 'gpt-4o', 'cheap-*': 'budget' });
  const client = gw.client(key);
  const { response } = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  t.is(response.headers.get('x-gateway-upstream'), 'east');
  await client.chat.completions.create({ model: 'cheap-anything', messages: [{ role: 'user', content: 'hi' }] });
  t.is(fakes.cheap!.last.body?.model, 'gpt-4o-mini');
  await t.throwsAsync(client.chat.completions.create({ model: 'east/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), { instanceOf: OpenAI.PermissionDeniedError });
  t.deepEqual((await client.models.list()).data.map((model) => model.id).sort(), ['budget', 'gpt-4o', 'smart']);
  t.deepEqual((await api.patch(`/admin/api/client-keys/${id}`, { model_map: {} })).body.model_map, {});
  // Without its map, the alias is no model at all.
  await t.throwsAsync(client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }), { instanceOf: OpenAI.NotFoundError });
});

test('a config file upstream’s headers go with every call to it, and the provider’s own authorisation still wins', async (t) => {
  const fake = await new FakeOpenAIUpstream().start();
  t.teardown(() => fake.stop());
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-groups-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(
    file,
    `upstreams:\n  reseller:\n    type: openai-compatible\n    base_url: ${fake.url}\n    api_keys: [sk-reseller-key-0000000000000000]\n    headers: { X-Account: "\${RESELLER_ACCOUNT}", Authorization: "Bearer not-this" }\n    models: [gpt-4o]\n`,
  );
  const gw = await startGateway({ CONFIG_FILE: file, RESELLER_ACCOUNT: 'acct-42' });
  t.teardown(() => gw.close());
  await ask(gw, 'gpt-4o');
  t.is(fake.last.headers['x-account'], 'acct-42');
  t.is(fake.last.headers.authorization, 'Bearer sk-reseller-key-0000000000000000');
});
