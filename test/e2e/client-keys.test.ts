import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi, awayFromMinuteEnd } from '../helpers/admin-api.js';
import { CLIENT_TOKEN, gatewayInFrontOf } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = 'sk-admin-token-for-client-keys-01';
const UPSTREAM_KEY = 'sk-upstream-openai-key-000000000001';

async function setUp(t: ExecutionContext, env: Record<string, string> = {}) {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), ({ url }) => ({
    OPENAI_API_KEY: UPSTREAM_KEY,
    OPENAI_BASE_URL: url,
    AUTH_TOKEN: ADMIN,
    ...env,
  }));
  return { fake, gw, admin: adminApi(gw, ADMIN) };
}

const chat = (client: OpenAI, content = 'hi', model = 'gpt-4o') => client.chat.completions.create({ model, messages: [{ role: 'user', content }] });

async function streamed(client: OpenAI, content = 'hi', options: { includeUsage?: boolean } = {}) {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content }],
    stream: true,
    ...(options.includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

test('a key created through the admin API works, and its secret is shown only once', async (t) => {
  const { gw, admin } = await setUp(t);
  const created = await admin.createKey({ name: 'alice', description: 'team A' });
  t.regex(created.key, /^sk-gw-[\w-]{32}$/);
  t.is(created.view.name, 'alice');
  t.is(created.view.status, 'active');
  t.is(created.view.key_hint, `sk-gw-…${created.key.slice(-4)}`);

  const reply = await chat(gw.client(created.key), 'hello');
  t.is(reply.choices[0]!.message.content, 'You said: hello');

  const listed = await admin.get('/admin/api/client-keys');
  const shown = await admin.get(`/admin/api/client-keys/${created.id}`);
  for (const view of [JSON.stringify(listed.body), JSON.stringify(shown.body)]) t.false(view.includes(created.key));
  t.is((listed.body.data as { id: string }[])[0]!.id, created.id);
  t.is((shown.body.usage as { requests_total: number }).requests_total, 1);
  t.is((shown.body.usage as { tokens_total: number }).tokens_total, 19);

  // The key is a client's, not an operator's.
  const refused = await admin.call('GET', '/admin/api/client-keys', undefined, created.key);
  t.is(refused.status, 403);
  t.is((refused.body.error as { code: string }).code, 'admin_token_required');
  // ALLOWED_TOKENS keep working.
  t.is((await chat(gw.client(CLIENT_TOKEN))).object, 'chat.completion');

  const deleted = await admin.delete(`/admin/api/client-keys/${created.id}`);
  t.is(deleted.status, 200);
  await waitFor(async () => (await gw.client(created.key).models.list().catch((error: unknown) => error)) instanceof OpenAI.AuthenticationError, 'the deleted key being refused');
});

test('bad input to the admin API is a 400 naming the field; an unknown key is a 404', async (t) => {
  const { admin } = await setUp(t);
  const missingName = await admin.post('/admin/api/client-keys', { description: 'no name' });
  t.is(missingName.status, 400);
  t.is((missingName.body.error as { param: string }).param, 'name');
  const badLimit = await admin.post('/admin/api/client-keys', { name: 'x', limits: { rpm: -1 } });
  t.is(badLimit.status, 400);
  t.is((badLimit.body.error as { param: string }).param, 'limits.rpm');
  const unknownField = await admin.post('/admin/api/client-keys', { name: 'x', budgets: { dollars_per_day: 5 } });
  t.is(unknownField.status, 400);
  const past = await admin.post('/admin/api/client-keys', { name: 'x', expires_at: '2020-01-01T00:00:00Z' });
  t.is(past.status, 400);
  t.is((past.body.error as { param: string }).param, 'expires_at');
  const defaultNotAllowed = await admin.post('/admin/api/client-keys', { name: 'x', models: ['gpt-4o'], default_model: 'deepseek-chat' });
  t.is((defaultNotAllowed.body.error as { param: string }).param, 'default_model');
  t.is((await admin.get('/admin/api/client-keys/ck_0000000000000000')).status, 404);
  t.is((await admin.patch('/admin/api/client-keys/ck_0000000000000000', { name: 'y' })).status, 404);
});

test('a model outside the allowlist is a 403 and missing from /v1/models; a default model serves requests that name none', async (t) => {
  const { gw, fake, admin } = await setUp(t);
  const { key } = await admin.createKey({ name: 'restricted', models: ['gpt-4o-mini', 'openai/gpt-4o*'], default_model: 'gpt-4o-mini' });
  const client = gw.client(key);
  t.is((await chat(client, 'x', 'gpt-4o-mini')).object, 'chat.completion');
  t.is((await chat(client, 'x', 'openai/gpt-4o-2024-08-06')).object, 'chat.completion');
  const refused = await t.throwsAsync(chat(client, 'x', 'gpt-4o'), { instanceOf: OpenAI.PermissionDeniedError });
  t.regex(refused.message, /not allowed to use the model `gpt-4o`/);
  t.is(refused.code, 'model_not_allowed');

  const listed = (await client.models.list()).data.map((model) => model.id);
  t.true(listed.length > 0);
  t.true(listed.every((id) => id === 'gpt-4o-mini' || id.startsWith('openai/gpt-4o')), listed.join());
  await t.throwsAsync(client.models.retrieve('gpt-4o'), { instanceOf: OpenAI.NotFoundError });

  const before = fake.requests.length;
  const response = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'no model named' }] }),
  });
  t.is(response.status, 200);
  t.is(fake.requests.length, before + 1);
  t.is(fake.last.body!.model, 'gpt-4o-mini');
});

test('a disabled key gets 401 until it is enabled; an expired key gets 401', async (t) => {
  const { gw, admin } = await setUp(t);
  const { id, key } = await admin.createKey({ name: 'switch' });
  t.is((await admin.post(`/admin/api/client-keys/${id}/disable`)).body.status, 'disabled');
  const disabled = await t.throwsAsync(chat(gw.client(key)), { instanceOf: OpenAI.AuthenticationError });
  t.is(disabled.code, 'api_key_disabled');
  t.is((await admin.post(`/admin/api/client-keys/${id}/enable`)).body.status, 'active');
  t.is((await chat(gw.client(key))).object, 'chat.completion');

  const soon = await admin.createKey({ name: 'short-lived', expires_at: new Date(Date.now() + 1500).toISOString() });
  t.is((await chat(gw.client(soon.key))).object, 'chat.completion');
  await new Promise((resolve) => setTimeout(resolve, 1600));
  const expired = await t.throwsAsync(chat(gw.client(soon.key)), { instanceOf: OpenAI.AuthenticationError });
  t.is(expired.code, 'api_key_expired');
  t.is((await admin.get(`/admin/api/client-keys/${soon.id}`)).body.status, 'expired');
});

test('requests per minute: the call over the limit is a 429 naming it, with Retry-After', async (t) => {
  const { gw, admin } = await setUp(t);
  const { key } = await admin.createKey({ name: 'rpm', limits: { rpm: 2 } });
  await awayFromMinuteEnd();
  const client = gw.client(key);
  await chat(client);
  await chat(client);
  const error = await t.throwsAsync(chat(client), { instanceOf: OpenAI.RateLimitError });
  t.regex(error.message, /requests per minute \(rpm\): limit 2, used 2/);
  t.is(error.code, 'rate_limit_exceeded');
  const retryAfter = Number(error.headers?.get('retry-after'));
  t.true(retryAfter >= 1 && retryAfter <= 60);
});

test('tokens per minute: the call that crosses the limit completes, the next is refused', async (t) => {
  const { gw, admin } = await setUp(t);
  const { key } = await admin.createKey({ name: 'tpm', limits: { tpm: 30 } });
  await awayFromMinuteEnd();
  const client = gw.client(key);
  await chat(client); // 19 tokens
  await chat(client); // 38: crosses 30, still answered
  const error = await t.throwsAsync(chat(client), { instanceOf: OpenAI.RateLimitError });
  t.regex(error.message, /tokens per minute \(tpm\): limit 30, used 38/);
});

test('concurrent requests: a second call while one streams is refused, and allowed once it ends', async (t) => {
  const { gw, fake, admin } = await setUp(t);
  const { key } = await admin.createKey({ name: 'one-at-a-time', limits: { max_concurrent: 1 } });
  const client = gw.client(key);
  fake.script = (request) => (request.body?.messages as { content: string }[])[0]!.content === 'slow' ? { kind: 'reply', text: 'one two three four', chunkDelayMs: 150 } : undefined;
  const slow = streamed(client, 'slow');
  await waitFor(() => fake.requests.length > 0, 'the slow stream starting');
  const error = await t.throwsAsync(chat(client), { instanceOf: OpenAI.RateLimitError });
  t.regex(error.message, /concurrent requests \(max_concurrent\): limit 1, in flight 1/);
  t.is(error.headers?.get('retry-after'), '1');
  await slow;
  t.is((await chat(client)).object, 'chat.completion');
});

test('concurrent requests: calls that share one X-Request-Id still count one by one', async (t) => {
  const { gw, fake, admin } = await setUp(t);
  const { key } = await admin.createKey({ name: 'two-at-a-time', limits: { max_concurrent: 2 } });
  fake.script = () => ({ kind: 'reply', text: 'one two three four', chunkDelayMs: 150 });
  const sameId = { headers: { 'x-request-id': 'reused-id' } };
  const slow = async () => {
    const stream = await gw.client(key).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'slow' }], stream: true }, sameId);
    for await (const chunk of stream) void chunk;
  };
  const running = [slow(), slow()];
  await waitFor(() => fake.requests.length === 2, 'two slow streams starting');
  await t.throwsAsync(slow(), { instanceOf: OpenAI.RateLimitError });
  await Promise.all(running);
});

test('streamed calls: usage is recorded exactly as the upstream reported it, and a daily token budget trips', async (t) => {
  const { gw, fake, admin } = await setUp(t);
  fake.usage = { prompt_tokens: 23, completion_tokens: 17, total_tokens: 40, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 9 } };
  const { id, key } = await admin.createKey({ name: 'daily', budgets: { tokens_per_day: 70 } });
  const client = gw.client(key);

  // The client did not ask for usage: the gateway asked for it and kept the extra chunk from the client.
  const chunks = await streamed(client, 'first');
  t.deepEqual(fake.last.body!.stream_options, { include_usage: true });
  t.true(chunks.every((chunk) => chunk.choices.length > 0));
  // This client asked: it gets the usage chunk, as the upstream sent it.
  const withUsage = await streamed(client, 'second', { includeUsage: true });
  t.is(withUsage.at(-1)!.usage!.total_tokens, 40);

  const error = await t.throwsAsync(streamed(client, 'third'), { instanceOf: OpenAI.RateLimitError });
  t.regex(error.message, /tokens per day \(tokens_per_day\): limit 70, used 80/);
  t.is(error.code, 'insufficient_quota');
  t.true(Number(error.headers?.get('retry-after')) > 0);

  type Log = { usage: Record<string, number | boolean>; stream: boolean; status: number; client_key: string };
  let records: Log[] = [];
  await waitFor(async () => {
    records = (await admin.get<{ data: Log[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
    return records.length === 3;
  }, 'three log records');
  const [refused, ...answered] = records;
  t.is(refused!.status, 429);
  for (const record of answered) {
    t.true(record.stream);
    t.is(record.status, 200);
    t.deepEqual(record.usage, {
      prompt_tokens: 23,
      completion_tokens: 17,
      total_tokens: 40,
      reasoning_tokens: 9,
      cached_tokens: 5,
      cache_write_tokens: 0,
      cache_write_long_tokens: 0,
      searches: 0,
      estimated: false,
    });
  }
  const shown = await admin.get<{ usage: Record<string, number> }>(`/admin/api/client-keys/${id}`);
  t.is(shown.body.usage.tokens_today, 80);
  t.is(shown.body.usage.requests_today, 2);
});

test('an upstream that reports no usage: the record is an estimate, marked as such', async (t) => {
  const { gw, fake, admin } = await setUp(t);
  const { id, key } = await admin.createKey({ name: 'estimated' });
  fake.script = () => ({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'twelve characters of text here' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n` });
  await streamed(gw.client(key), 'count me');
  let usage: Record<string, number | boolean> = {};
  await waitFor(async () => {
    const records = (await admin.get<{ data: { usage: Record<string, number | boolean> }[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
    usage = records[0]?.usage ?? {};
    return records.length === 1;
  }, 'the log record');
  t.true(usage.estimated);
  t.true((usage.completion_tokens as number) > 0);
  t.true((usage.prompt_tokens as number) > 0);
});

test('the request log, error log and stats show the calls made, with no secret in them', async (t) => {
  const { gw, fake, admin } = await setUp(t, { MAX_RETRIES: '1' });
  const { id, key } = await admin.createKey({ name: 'observed' });
  const client = gw.client(key);
  await chat(client, 'one');
  await streamed(client, 'two');
  await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
  fake.script = () => ({ kind: 'error', status: 429, body: { error: { message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
  await t.throwsAsync(chat(client, 'three'), { instanceOf: OpenAI.RateLimitError });
  fake.script = () => undefined;

  type Log = { client_key: string; client_name: string; model: string; provider: string; upstream_key: string; endpoint: string; status: number; error: string | null; usage: { total_tokens: number } };
  let logs: Log[] = [];
  await waitFor(async () => {
    logs = (await admin.get<{ data: Log[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
    return logs.length === 4;
  }, 'four log records');
  t.deepEqual(
    logs.map((log) => [log.endpoint, log.status, log.usage.total_tokens]),
    [
      ['chat', 429, 0],
      ['embeddings', 200, 6],
      ['chat', 200, 19],
      ['chat', 200, 19],
    ],
  );
  t.true(logs.every((log) => log.client_name === 'observed' && log.provider === 'openai' && /^openai\/[0-9a-f]{16}$/.test(log.upstream_key)));
  t.regex(logs[0]!.error!, /Rate limit reached/);
  const failed = await admin.get<{ data: Log[] }>(`/admin/api/logs?client_key=${id}&status=error`);
  t.is(failed.body.data.length, 1);
  const embeddings = await admin.get<{ data: Log[] }>(`/admin/api/logs?model=text-embedding-3-small`);
  t.is(embeddings.body.data.length, 1);

  const errors = await admin.get<{ data: { status: number; provider: string; message: string; upstream_key: string }[] }>('/admin/api/logs/errors?provider=openai');
  t.is(errors.body.data.length, 1);
  t.is(errors.body.data[0]!.status, 429);
  t.regex(errors.body.data[0]!.message, /Rate limit reached for gpt-4o/);

  type Totals = { requests: number; errors: number; total_tokens: number };
  type Stats = {
    last_day: Totals & { by_client_key: (Totals & { id: string; name: string })[]; by_model: (Totals & { model: string })[]; by_upstream_key: (Totals & { upstream_key: string })[] };
    failing_upstream_keys: { upstream_key: string; status_429: number; total: number }[];
  };
  let stats: Stats | undefined;
  await waitFor(async () => {
    stats = (await admin.get<Stats>('/admin/api/stats')).body;
    return stats.last_day.requests === 4;
  }, 'the stats counting four calls');
  t.is(stats!.last_day.total_tokens, 44);
  t.is(stats!.last_day.errors, 1);
  t.deepEqual(
    stats!.last_day.by_client_key.map((row) => [row.id, row.name, row.requests]),
    [[id, 'observed', 4]],
  );
  t.deepEqual(stats!.last_day.by_model.map((row) => [row.model, row.requests]).sort(), [
    ['gpt-4o', 3],
    ['text-embedding-3-small', 1],
  ]);
  t.is(stats!.last_day.by_upstream_key.reduce((sum, row) => sum + row.requests, 0), 4);
  t.deepEqual(stats!.failing_upstream_keys.map((row) => [row.status_429, row.total]), [[1, 1]]);
  t.is(stats!.failing_upstream_keys[0]!.upstream_key, logs[0]!.upstream_key);

  const usage = await admin.get<{ total: Totals & { by_model: (Totals & { model: string })[] } }>(`/admin/api/usage?period=day&count=1&client_key=${id}`);
  t.is(usage.body.total.requests, 4);
  t.deepEqual(usage.body.total.by_model.map((row) => [row.model, row.requests]).sort(), [
    ['gpt-4o', 3],
    ['text-embedding-3-small', 1],
  ]);

  const everything = JSON.stringify([logs, errors.body, stats, usage.body]) + gw.rawLogs.join('');
  for (const secret of [key, ADMIN, UPSTREAM_KEY, CLIENT_TOKEN]) t.false(everything.includes(secret), secret);
});

test('repeated bad tokens from one address are slowed down, then refused with 429', async (t) => {
  const { gw, admin } = await setUp(t, { AUTH_MAX_FAILURES: '5', AUTH_LOCKOUT_SECONDS: '60' });
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 6; attempt++) {
    const error = await t.throwsAsync(chat(gw.client(`sk-guess-${attempt}`)));
    statuses.push((error as InstanceType<typeof OpenAI.APIError>).status!);
  }
  t.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  // Locked out: even a good token from that address waits, and the operator API too.
  const locked = await t.throwsAsync(chat(gw.client(CLIENT_TOKEN)), { instanceOf: OpenAI.RateLimitError });
  t.is(locked.code, 'too_many_auth_failures');
  t.is((await admin.get('/admin/api/client-keys')).status, 429);
});

test('behind a trusted proxy, failures count against the address in X-Forwarded-For', async (t) => {
  const { gw } = await setUp(t, { AUTH_MAX_FAILURES: '3', TRUST_PROXY: '1' });
  const from = (address: string, token: string) =>
    fetch(`${gw.baseURL}/models`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': `203.0.113.9, ${address}` } }).then((response) => response.status);
  const statuses = [];
  for (let attempt = 0; attempt < 4; attempt++) statuses.push(await from('198.51.100.1', 'sk-wrong'));
  t.deepEqual(statuses, [401, 401, 401, 429]);
  t.is(await from('198.51.100.2', CLIENT_TOKEN), 200, 'another client behind the same proxy is not locked out');
});
