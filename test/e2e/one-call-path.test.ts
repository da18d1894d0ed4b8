import test from 'ava';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi, awayFromMinuteEnd } from '../helpers/admin-api.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// Every client protocol takes the chat route's one path: the same access check, routing with fallbacks, key pool
// with retries, client limits, metering and request log. One table, one row per protocol, the same checks each.

const ADMIN = 'sk-admin-for-one-call-path-tests-01';
const GOOD_KEYS = ['sk-good-upstream-key-one-0000000001', 'sk-good-upstream-key-two-0000000002'];

interface Protocol {
  endpoint: string;
  path: string;
  body: (model: string) => Record<string, unknown>;
  /** The answer's text, read from the protocol's JSON answer. */
  text: (answer: Record<string, any>) => string;
}

const PROTOCOLS: Protocol[] = [
  {
    endpoint: 'chat',
    path: '/v1/chat/completions',
    body: (model) => ({ model, messages: [{ role: 'user', content: 'ping' }] }),
    text: (answer) => answer.choices[0].message.content,
  },
  {
    endpoint: 'messages',
    path: '/v1/messages',
    body: (model) => ({ model, max_tokens: 64, messages: [{ role: 'user', content: 'ping' }] }),
    text: (answer) => answer.content[0].text,
  },
  {
    endpoint: 'responses',
    path: '/v1/responses',
    body: (model) => ({ model, input: 'ping' }),
    text: (answer) => answer.output[0].content[0].text,
  },
  {
    endpoint: 'completions',
    path: '/v1/completions',
    body: (model) => ({ model, prompt: 'ping' }),
    text: (answer) => answer.choices[0].text,
  },
];

for (const protocol of PROTOCOLS) {
  test(`${protocol.endpoint}: access check, fallback, retry on the next key, client limits, metering and the request log`, async (t) => {
    const [broken, good] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
    broken.script = () => ({ kind: 'error', status: 500, body: { error: { message: 'The server had an error.', type: 'server_error', param: null, code: null } } });
    // The first key of the good upstream is rate limited: each call is retried on the second.
    good.script = (request) =>
      request.headers.authorization === `Bearer ${GOOD_KEYS[0]}`
        ? { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } } }
        : { kind: 'reply', text: 'pong' };
    const file = writeConfigFile(
      `upstreams:\n` +
        `  broken: { type: openai-compatible, base_url: "${broken.url}", api_keys: [sk-broken-upstream-key-0000000001] }\n` +
        `  good: { type: openai-compatible, base_url: "${good.url}", api_keys: [${GOOD_KEYS.join(', ')}] }\n` +
        `routes:\n  smart: { targets: [{ upstream: broken, model: gpt-4o }], fallbacks: { on_error: [backup] } }\n` +
        `  backup: { targets: [{ upstream: good, model: gpt-4o-mini }] }\n`,
    );
    const gw = await startGateway({ CONFIG_FILE: file, AUTH_TOKEN: ADMIN });
    t.teardown(async () => {
      await gw.close();
      await Promise.all([broken.stop(), good.stop()]);
    });
    const admin = adminApi(gw, ADMIN);
    const post = (token: string | undefined) =>
      fetch(`${gw.url}${protocol.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(protocol.body('smart')),
      });

    const anonymous = await post(undefined);
    t.is(anonymous.status, 401, 'no token, no call');
    t.is(broken.requests.length + good.requests.length, 0);

    const { key, id } = await admin.createKey({ name: `one-path-${protocol.endpoint}`, limits: { rpm: 1 } });
    await awayFromMinuteEnd(15);
    const first = await post(key);
    t.is(first.status, 200);
    t.is(protocol.text((await first.json()) as Record<string, any>), 'pong');
    const brokenTries = broken.requests.length;
    t.true(brokenTries >= 1, 'the group’s own target was tried first');
    t.deepEqual(
      good.requests.map((request) => request.headers.authorization),
      GOOD_KEYS.map((goodKey) => `Bearer ${goodKey}`),
      'the fallback retried the rate-limited key’s call on the next key',
    );
    t.is(good.last.body?.model, 'gpt-4o-mini');

    const second = await post(key);
    t.is(second.status, 429, 'the client key’s rpm of 1 counts this protocol’s calls');
    t.is(broken.requests.length + good.requests.length, brokenTries + 2, 'a refused call goes nowhere');

    type Logged = { endpoint: string; status: number; attempts: number; totalTokens?: number; usage?: { total_tokens: number } };
    let records: Logged[] = [];
    await waitFor(async () => {
      records = (await admin.get<{ data: Logged[] }>(`/admin/api/logs?client_key=${id}`)).body.data;
      return records.length === 2;
    }, 'two log records');
    t.deepEqual(
      records.map((record) => [record.endpoint, record.status]),
      [
        [protocol.endpoint, 429],
        [protocol.endpoint, 200],
      ],
    );
    t.is(records[1]!.attempts, brokenTries + 2, 'the attempts on the broken target, then two on the fallback');
    const counters = await admin.get<{ usage: { requests_today: number; tokens_today: number } }>(`/admin/api/client-keys/${id}`);
    t.is(counters.body.usage.requests_today, 1);
    t.true(counters.body.usage.tokens_today > 0, 'the served call’s tokens are metered');
  });
}
