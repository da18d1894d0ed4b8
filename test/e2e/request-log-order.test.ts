import test, { type ExecutionContext } from 'ava';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { deferred } from '../helpers/deferred.js';
import { startGateway } from '../helpers/gateway.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = 'sk-admin-log-order-000000000000001';

async function slowStreamThenQuickCall(t: ExecutionContext, store: Record<string, string>): Promise<void> {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({ OPENAI_API_KEYS: 'sk-log-order-key-0000000000001', OPENAI_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN, ...store });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  const release = deferred();
  upstream.script = (request) => (JSON.stringify(request.body).includes('slow') ? { kind: 'reply', text: 'slow answer', hold: release.promise } : undefined);

  const slow = gw.client().chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'slow' }] });
  await waitFor(() => upstream.requests.length === 1, 'the slow stream reaching the upstream');
  await new Promise((resolve) => setTimeout(resolve, 5)); // the quick call arrives in a later millisecond
  await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'quick' }] });
  release.resolve();
  let text = '';
  for await (const chunk of await slow) text += chunk.choices[0]?.delta.content ?? '';
  t.is(text, 'slow answer');

  const api = adminApi(gw, ADMIN);
  type Log = { time: string; stream: boolean; latency_ms: number };
  let records: Log[] = [];
  await waitFor(async () => {
    records = (await api.get<{ data: Log[] }>('/admin/api/logs')).body.data;
    return records.length === 2;
  }, 'both calls in the log');
  t.deepEqual(
    records.map((record) => record.stream),
    [false, true],
    'newest arrival first: the quick call, then the stream that started before it and finished after it',
  );
  // Paged one at a time, the order holds.
  const first = await api.get<{ data: Log[]; next_cursor: string | null }>('/admin/api/logs?limit=1');
  const second = await api.get<{ data: Log[] }>(`/admin/api/logs?limit=1&cursor=${encodeURIComponent(first.body.next_cursor ?? '')}`);
  t.deepEqual([...first.body.data, ...second.body.data].map((record) => record.stream), [false, true]);
}

test('request log in memory: calls are listed in arrival order, not finish order', (t) => slowStreamThenQuickCall(t, {}));

test('request log in Redis: calls are listed in arrival order, not finish order', async (t) => {
  const prefix = uniquePrefix();
  t.teardown(() => deleteKeys(TEST_REDIS_URL, prefix));
  await slowStreamThenQuickCall(t, { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
});
