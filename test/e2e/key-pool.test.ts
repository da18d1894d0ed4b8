import test from 'ava';
import OpenAI from 'openai';
import { bearerKeyOf as keyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { CLIENT_TOKEN, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = 'sk-admin-for-key-pool-tests-000001';
const K = ['sk-pool-key-one-0000000000000001', 'sk-pool-key-two-0000000000000002', 'sk-pool-key-three-000000000000003'];

const chatCalls = (upstream: FakeOpenAIUpstream, key: string) =>
  upstream.requests.filter((request) => request.path === '/v1/chat/completions' && keyOf(request) === key).length;

const invalidKey = { kind: 'error' as const, status: 401, body: { error: { message: 'Incorrect API key provided: sk-***.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } };

async function setUp(keys: string[], env: Record<string, string> = {}) {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({ OPENAI_API_KEYS: JSON.stringify(keys), OPENAI_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN, ...env });
  return { upstream, gw };
}

async function tearDown({ upstream, gw }: { upstream: FakeOpenAIUpstream; gw: RunningGateway }) {
  await gw.close();
  await upstream.stop();
}

const chat = (gw: RunningGateway) => gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });

async function admin(gw: RunningGateway, method: string, path: string, body?: unknown, token = ADMIN) {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined || method === 'GET' ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const keyView = async (gw: RunningGateway, key: string) => {
  const view = await admin(gw, 'GET', '/admin/api/upstream-keys/openai?reveal=true');
  return (view.body.keys as { key: string; status: string; failures: number; last_status: number | null }[]).find((entry) => entry.key === key)!;
};


test('a key answering 401 is retired after MAX_FAILURES and never used again; a success in between resets its count', async (t) => {
  const env = await setUp(K.slice(0, 2));
  const { upstream, gw } = env;
  try {
    let bad = true;
    upstream.script = (request) => (bad && keyOf(request) === K[0] ? invalidKey : undefined);
    // Each call tries the bad key first, then succeeds on the other: the client never sees the 401.
    for (let index = 0; index < 2; index++) t.is((await chat(gw)).object, 'chat.completion');
    t.is(chatCalls(upstream, K[0]!), 2);
    t.like(await keyView(gw, K[0]!), { status: 'valid', failures: 2, last_status: 401 });

    bad = false;
    await chat(gw);
    await waitFor(async () => (await keyView(gw, K[0]!)).failures === 0, 'the failure count reset');

    bad = true;
    const failedBefore = chatCalls(upstream, K[0]!);
    for (let index = 0; index < 10 && chatCalls(upstream, K[0]!) < failedBefore + 3; index++) await chat(gw);
    t.like(await keyView(gw, K[0]!), { status: 'invalid', failures: 3 });
    const before = chatCalls(upstream, K[0]!);
    for (let index = 0; index < 6; index++) await chat(gw);
    t.is(chatCalls(upstream, K[0]!), before, 'an invalid key is never sent');
  } finally {
    await tearDown(env);
  }
});

test('a key answering 429 with Retry-After: 2 rests for two seconds, is then used again, and is never retired', async (t) => {
  const env = await setUp(K.slice(0, 2));
  const { upstream, gw } = env;
  try {
    let limited = true;
    let limitedAt = 0;
    upstream.script = (request) => {
      if (keyOf(request) !== K[0] || !limited) return undefined;
      limited = false;
      limitedAt = Date.now();
      return { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '2' } };
    };
    await chat(gw);
    t.like(await keyView(gw, K[0]!), { status: 'cooling', failures: 0 });
    while (Date.now() - limitedAt < 1800) await chat(gw);
    t.is(chatCalls(upstream, K[0]!), 1, 'skipped while cooling');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2100 - (Date.now() - limitedAt))));
    await chat(gw);
    await chat(gw);
    t.is(chatCalls(upstream, K[0]!), 2, 'used again after two seconds');
    t.like(await keyView(gw, K[0]!), { status: 'valid', failures: 0 });
  } finally {
    await tearDown(env);
  }
});

test('a 500 on one key is retried on the next and the client sees a success', async (t) => {
  const env = await setUp(K.slice(0, 2));
  const { upstream, gw } = env;
  try {
    upstream.script = (request) =>
      keyOf(request) === K[0] ? { kind: 'error', status: 500, body: { error: { message: 'The server had an error', type: 'server_error', param: null, code: null } } } : undefined;
    const completion = await chat(gw);
    t.is(completion.choices[0]?.message.content, 'You said: hello');
    t.is(chatCalls(upstream, K[0]!), 1);
    t.is(chatCalls(upstream, K[1]!), 1);
    const log = gw.logs.findLast((line) => line.msg === 'request completed');
    t.is(log?.attempts, 2);
  } finally {
    await tearDown(env);
  }
});

test('a stream that fails before its first byte is retried on another key', async (t) => {
  const env = await setUp(K.slice(0, 2));
  const { upstream, gw } = env;
  try {
    upstream.script = (request) => (keyOf(request) === K[0] ? { kind: 'reply', text: 'never', failAfterChunks: 0 } : undefined);
    const stream = await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'one two' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    t.is(text, 'You said: one two');
    t.is(chatCalls(upstream, K[0]!), 1);
    t.is(chatCalls(upstream, K[1]!), 1);
  } finally {
    await tearDown(env);
  }
});

test('a stream that fails after its first byte ends with an error event: no retry, no repeated text', async (t) => {
  const env = await setUp(K.slice(0, 2));
  const { upstream, gw } = env;
  try {
    upstream.script = () => ({ kind: 'reply', text: 'one two three four five', failAfterChunks: 3 });
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    const text = await response.text();
    t.is(upstream.requests.length, 1, 'not retried');
    t.false(text.includes('[DONE]'));
    t.regex(text, /data: \{"error":/);
    t.is(text.split('"content":"one "').length, 2, 'no text sent twice');
  } finally {
    await tearDown(env);
  }
});

test('when every key is retired the answer is 503 with Retry-After; the last upstream error comes first', async (t) => {
  const env = await setUp(K.slice(0, 2), { MAX_FAILURES: '1' });
  const { upstream, gw } = env;
  try {
    upstream.script = () => invalidKey;
    const first = (await t.throwsAsync(chat(gw))) as InstanceType<typeof OpenAI.APIError>;
    t.is(first.status, 401, 'attempts ran out: the upstream error itself');
    t.is(chatCalls(upstream, K[0]!) + chatCalls(upstream, K[1]!), 2, 'each key tried once');
    const response = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    });
    t.is(response.status, 503);
    const retryAfter = Number(response.headers.get('retry-after'));
    t.true(retryAfter > 3500 && retryAfter <= 3600, 'until the next recovery check');
    const body = (await response.json()) as { error: { message: string; code: string } };
    t.is(body.error.code, 'upstream_keys_unavailable');
    t.regex(body.error.message, /All 2 upstream keys of provider openai are unavailable \(2 invalid\)/);
    t.is(chatCalls(upstream, K[0]!) + chatCalls(upstream, K[1]!), 2, 'no call sent with a key known to be invalid');
  } finally {
    await tearDown(env);
  }
});

test('when every key is cooling: the 429 passed on keeps its upstream Retry-After, and the next call is a 503 whose Retry-After is the soonest cooldown end', async (t) => {
  const env = await setUp(K.slice(0, 2));
  const { upstream, gw } = env;
  try {
    upstream.script = (request) => ({
      kind: 'error',
      status: 429,
      body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': keyOf(request) === K[0] ? '30' : '50' },
    });
    const limited = (await t.throwsAsync(chat(gw))) as InstanceType<typeof OpenAI.RateLimitError>;
    t.is(limited.status, 429, 'a 429 stays a 429');
    t.is(limited.headers.get('retry-after'), '50', 'the 429 passed on is the last upstream answer, with its own Retry-After');
    const unavailable = (await t.throwsAsync(chat(gw))) as InstanceType<typeof OpenAI.APIError>;
    t.is(unavailable.status, 503);
    const retryAfter = Number(unavailable.headers?.get('retry-after'));
    t.true(retryAfter >= 28 && retryAfter <= 30, `Retry-After ${retryAfter}`);
  } finally {
    await tearDown(env);
  }
});

test('the recovery check brings a key back once it works again', async (t) => {
  const env = await setUp(K.slice(0, 2), { MAX_FAILURES: '1' });
  const { upstream, gw } = env;
  try {
    let revoked = true;
    upstream.script = (request) => (revoked && keyOf(request) === K[0] ? invalidKey : undefined);
    upstream.acceptedKeys = new Set([K[1]!]);
    await chat(gw);
    t.is((await keyView(gw, K[0]!)).status, 'invalid');
    t.is(await gw.gateway.recovery.runOnce(), 0, 'still refused: stays invalid');
    t.is((await keyView(gw, K[0]!)).status, 'invalid');

    revoked = false;
    upstream.acceptedKeys = new Set(K.slice(0, 2));
    t.is(await gw.gateway.recovery.runOnce(), 1);
    const probe = upstream.requests.findLast((request) => keyOf(request) === K[0]);
    t.is(probe?.path, '/v1/models', 'probed with a cheap call');
    t.like(await keyView(gw, K[0]!), { status: 'valid', failures: 0 });
    const before = chatCalls(upstream, K[0]!);
    await chat(gw);
    await chat(gw);
    t.is(chatCalls(upstream, K[0]!), before + 1, 'back in the rotation');
  } finally {
    await tearDown(env);
  }
});

test('rotation over three keys spreads 300 calls evenly', async (t) => {
  const env = await setUp(K);
  const { upstream, gw } = env;
  try {
    for (let batch = 0; batch < 30; batch++) await Promise.all(Array.from({ length: 10 }, () => chat(gw)));
    const counts = K.map((key) => chatCalls(upstream, key));
    t.is(counts.reduce((a, b) => a + b), 300);
    for (const count of counts) t.true(Math.abs(count - 100) <= 1, `counts ${counts.join('/')}`);
  } finally {
    await tearDown(env);
  }
});

test('operator endpoints refuse a client token and no token', async (t) => {
  const env = await setUp(K.slice(0, 1));
  const { gw } = env;
  try {
    for (const [method, path] of [
      ['GET', '/v1/keys/list'],
      ['GET', '/admin/api/upstream-keys'],
      ['POST', '/admin/api/upstream-keys/openai'],
      ['POST', '/admin/api/upstream-keys/_reset'],
      ['POST', '/admin/api/upstream-keys/openai/verify'],
    ] as const) {
      const withClientToken = await admin(gw, method, path, {}, CLIENT_TOKEN);
      t.is(withClientToken.status, 403, `${method} ${path} with a client token`);
      t.is(withClientToken.body.error.code, 'admin_token_required');
      const response = await fetch(`${gw.url}${path}`, { method });
      t.is(response.status, 401, `${method} ${path} without a token`);
    }
  } finally {
    await tearDown(env);
  }
});

test('operator endpoints are closed even on an open gateway', async (t) => {
  const open = await startGateway({ ALLOWED_TOKENS: '', OPENAI_API_KEY: K[0]!, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  try {
    const response = await fetch(`${open.url}/admin/api/upstream-keys`);
    t.is(response.status, 403);
    t.is(((await response.json()) as { error: { code: string } }).error.code, 'admin_disabled');
  } finally {
    await open.close();
  }
});

test('operators list, add, verify, reset and delete keys', async (t) => {
  const env = await setUp(K.slice(0, 2), { MAX_FAILURES: '1' });
  const { upstream, gw } = env;
  try {
    const listed = await admin(gw, 'GET', '/admin/api/upstream-keys');
    t.is(listed.status, 200);
    const openai = listed.body.providers[0];
    t.like(openai, { provider: 'openai', total: 2, valid: 2, cooling: 0, invalid: 0 });
    t.is(openai.keys[0].key, 'sk-poo…0001', 'masked unless revealed');
    t.false(JSON.stringify(listed.body).includes(K[0]!));
    t.is(openai.keys[0].source, 'config');

    const added = await admin(gw, 'POST', '/admin/api/upstream-keys/openai', { keys: [K[2], K[0]] });
    t.is(added.status, 201);
    t.is(added.body.added.length, 1);
    t.is(added.body.already_present, 1);
    for (let index = 0; index < 3; index++) await chat(gw);
    t.is(chatCalls(upstream, K[2]!), 1, 'an added key joins the rotation');
    t.is((await keyView(gw, K[2]!)).status, 'valid');

    upstream.acceptedKeys = new Set([K[0]!, K[2]!]);
    const ids = (await admin(gw, 'GET', '/admin/api/upstream-keys/openai')).body.keys.map((key: { id: string }) => key.id);
    const verified = await admin(gw, 'POST', '/admin/api/upstream-keys/openai/verify', { ids: [ids[0], K[1]] });
    t.deepEqual(
      verified.body.results.map((result: { status: string }) => result.status),
      ['valid', 'invalid'],
    );
    t.is((await keyView(gw, K[1]!)).status, 'invalid', 'a definite bad-key answer to a verification retires the key');

    const legacy = await admin(gw, 'GET', '/v1/keys/list');
    t.is(legacy.body.status, 'success');
    t.is(Object.keys(legacy.body.data.valid_keys).length, 2);
    t.deepEqual(Object.values(legacy.body.data.invalid_keys), [1]);
    t.is(legacy.body.total, 3);
    t.true(Object.keys((await admin(gw, 'GET', '/v1/keys/list?reveal=true')).body.data.invalid_keys).includes(K[1]!));

    const reset = await admin(gw, 'POST', '/admin/api/upstream-keys/openai/reset', { ids: [ids[1]] });
    t.deepEqual(reset.body.reset, [ids[1]]);
    t.like(await keyView(gw, K[1]!), { status: 'valid', failures: 0 });

    const removed = await admin(gw, 'DELETE', `/admin/api/upstream-keys/openai/${ids[2]}`);
    t.deepEqual(removed.body.removed, [ids[2]]);
    t.is((await admin(gw, 'GET', '/admin/api/upstream-keys/openai')).body.total, 2);
    const before = chatCalls(upstream, K[2]!);
    for (let index = 0; index < 4; index++) await chat(gw).catch(() => undefined);
    t.is(chatCalls(upstream, K[2]!), before, 'a deleted key is not used');

    t.is((await admin(gw, 'GET', '/admin/api/upstream-keys/nope')).status, 404);
    t.is((await admin(gw, 'POST', '/admin/api/upstream-keys/openai/reset', { ids: ['sk-unknown-key'] })).status, 404);
    t.is((await admin(gw, 'POST', '/admin/api/upstream-keys/openai', { keys: [] })).status, 400);
  } finally {
    await tearDown(env);
  }
});

test('/health reports per-provider key counts without key material', async (t) => {
  const env = await setUp(K.slice(0, 2), { MAX_FAILURES: '1' });
  const { upstream, gw } = env;
  try {
    upstream.script = (request) => (keyOf(request) === K[0] ? invalidKey : undefined);
    await chat(gw);
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { status: string; providers: unknown[]; dependencies: { store: unknown } };
    t.is(health.status, 'healthy');
    t.deepEqual(health.providers, [{ id: 'openai', kind: 'openai', keys: { total: 2, valid: 1, cooling: 0, invalid: 1 } }]);
    t.deepEqual(health.dependencies.store, { kind: 'memory', status: 'ok' });
    t.false(JSON.stringify(health).includes('sk-pool'));
  } finally {
    await tearDown(env);
  }
});
