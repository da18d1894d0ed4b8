import test from 'ava';
import OpenAI from 'openai';
import { bearerKeyOf as keyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { CLIENT_TOKEN, startGateway } from '../helpers/gateway.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = ['sk-limited-key-one-0000000001', 'sk-limited-key-two-0000000002'];
const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'x' }] };

test('requests per minute per key: a key at its limit is passed over, and when all are, the call waits, then gets 429', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({
    OPENAI_API_KEYS: JSON.stringify(K),
    OPENAI_BASE_URL: upstream.url,
    UPSTREAM_KEY_LIMITS: '{"openai":{"rpm":2}}',
    RATE_LIMIT_MAX_WAIT_SECONDS: '0.3',
  });
  try {
    for (let index = 0; index < 4; index++) await gw.client().chat.completions.create(request);
    t.deepEqual(
      K.map((key) => upstream.requests.filter((entry) => keyOf(entry) === key).length),
      [2, 2],
    );
    const started = Date.now();
    const error = (await t.throwsAsync(gw.client().chat.completions.create(request))) as InstanceType<typeof OpenAI.RateLimitError>;
    t.true(Date.now() - started >= 250, 'waited for a key before giving up');
    t.is(error.status, 429);
    t.is(error.code, 'upstream_keys_at_limit');
    t.is(upstream.requests.length, 4);
  } finally {
    await gw.close();
    await upstream.stop();
  }
});

test('calls in flight per key: a stream holds its key until it ends', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({
    OPENAI_API_KEYS: JSON.stringify(K),
    OPENAI_BASE_URL: upstream.url,
    UPSTREAM_KEY_LIMITS: '{"openai":{"max_concurrent":1}}',
    RATE_LIMIT_MAX_WAIT_SECONDS: '0.3',
  });
  try {
    upstream.script = () => ({ kind: 'reply', text: 'a b c d e f', chunkDelayMs: 150 });
    const open = (index: number) =>
      fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...request, stream: true, user: `stream-${index}` }),
      });
    const first = await open(1);
    const second = await open(2);
    t.deepEqual(upstream.requests.map(keyOf), K, 'the second stream went to the free key');
    upstream.script = () => undefined;
    const error = (await t.throwsAsync(gw.client().chat.completions.create(request))) as InstanceType<typeof OpenAI.APIError>;
    t.is(error.status, 429, 'both keys busy with streams');
    await first.text();
    await second.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    t.is((await gw.client().chat.completions.create(request)).object, 'chat.completion', 'free again once the streams ended');
  } finally {
    await gw.close();
    await upstream.stop();
  }
});

test('with Redis, a key limit holds across gateway instances', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  const prefix = uniquePrefix();
  const env = {
    OPENAI_API_KEYS: JSON.stringify(K.slice(0, 1)),
    OPENAI_BASE_URL: upstream.url,
    UPSTREAM_KEY_LIMITS: '{"openai":{"rpm":1}}',
    RATE_LIMIT_MAX_WAIT_SECONDS: '0.3',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
  };
  const one = await startGateway(env);
  const two = await startGateway(env);
  try {
    t.is((await one.client().chat.completions.create(request)).object, 'chat.completion');
    const error = (await t.throwsAsync(two.client().chat.completions.create(request))) as InstanceType<typeof OpenAI.APIError>;
    t.is(error.status, 429);
    t.is(upstream.requests.length, 1);
  } finally {
    await one.close();
    await two.close();
    await upstream.stop();
    await deleteKeys(TEST_REDIS_URL, prefix);
  }
});

test('tokens per minute per key: a key whose answers used its tokens is passed over; when all have, 429', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  upstream.usage = { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 };
  const gw = await startGateway({
    OPENAI_API_KEYS: JSON.stringify(K),
    OPENAI_BASE_URL: upstream.url,
    UPSTREAM_KEY_LIMITS: '{"openai":{"tpm":80}}',
    RATE_LIMIT_MAX_WAIT_SECONDS: '0.3',
  });
  try {
    // 40 tokens a call: each key serves two calls (80) and is then full for the rest of the minute.
    for (let index = 0; index < 4; index++) await gw.client().chat.completions.create(request);
    t.deepEqual(K.map((key) => upstream.requests.filter((entry) => keyOf(entry) === key).length), [2, 2]);
    const error = (await t.throwsAsync(gw.client().chat.completions.create(request))) as InstanceType<typeof OpenAI.RateLimitError>;
    t.is(error.status, 429);
    t.is(error.code, 'upstream_keys_at_limit');
    t.is(upstream.requests.length, 4);
  } finally {
    await gw.close();
    await upstream.stop();
  }
});
