import test from 'ava';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { spawnGateway } from '../helpers/process.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

// A $0.01 daily budget on one client key, spent through two gateway processes on one Redis at once: each call
// costs $0.00303 (10 prompt tokens and 1,000 completion tokens at $3 per million), so exactly three fit and every
// other call is refused with insufficient_quota, whichever instance it reaches.

const ADMIN = 'sk-dollar-budget-admin-token-0001';

test('a $0.01 daily budget lets exactly the calls through that fit, across two gateway processes on one Redis', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  upstream.usage = { prompt_tokens: 10, completion_tokens: 1000, total_tokens: 1010 };
  const file = writeConfigFile(
    `upstreams:\n  metered: { type: openai-compatible, base_url: "${upstream.url}", api_keys: [sk-metered-upstream-key-000001] }\n` +
      `routes:\n  priced-model: { targets: [{ upstream: metered, model: gpt-4o }] }\n` +
      `prices:\n  metered/gpt-4o: { input: 3, output: 3 }\n`,
  );
  const prefix = uniquePrefix();
  const env = { AUTH_TOKEN: ADMIN, ALLOWED_TOKENS: ADMIN, CONFIG_FILE: file, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, TIMEZONE: 'UTC' };
  const [one, two] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  t.teardown(async () => {
    await Promise.all([one.stop(), two.stop()]);
    await upstream.stop();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  const { key, id } = await adminApi({ url: one.url } as never, ADMIN).createKey({ name: 'team', budgets: { usd_per_day: 0.01 } });
  const clients = [one, two].map((gateway) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }));
  // Slow answers keep the first calls in flight while the others are admitted: their reservations must count.
  upstream.script = () => ({ kind: 'reply', text: 'ok', headerDelayMs: 150 });
  const outcomes = await Promise.allSettled(
    Array.from({ length: 8 }, (_, index) =>
      clients[index % 2]!.chat.completions.create({ model: 'priced-model', max_tokens: 1000, messages: [{ role: 'user', content: 'Say ok.' }] }),
    ),
  );
  const answered = outcomes.filter((outcome) => outcome.status === 'fulfilled');
  const refused = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as InstanceType<typeof OpenAI.APIError>] : []));
  t.is(answered.length, 3);
  t.is(upstream.requests.length, 3, 'a refused call never reaches the upstream');
  t.is(refused.length, 5);
  for (const error of refused) {
    t.is(error.status, 429);
    t.is(error.code, 'insufficient_quota');
    t.regex(error.message, /dollars per day \(usd_per_day\): limit \$0\.01, spent or reserved \$0\.00\d+, this call may cost up to \$0\.003\d*\. It renews in \d+s\./);
  }
  // Settled at what the calls cost: three times $0.00303.
  const view = await adminApi({ url: two.url } as never, ADMIN).get<{ usage: Record<string, number> }>(`/admin/api/client-keys/${id}`);
  t.is(view.status, 200);
  t.like(view.body.usage, { usd_today: 0.00909, usd_this_month: 0.00909, usd_total: 0.00909, usd_reserved: 0, requests_today: 3 });
});
