import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { type FakeBehaviour, FakeOpenAIUpstream, type RecordedRequest } from '../fakes/openai-upstream.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { CLIENT_TOKEN, startGateway, type RunningGateway } from '../helpers/gateway.js';

// GET /metrics end to end: the real gateway in front of fake upstreams, scraped over HTTP in Prometheus' text format.

const METRICS_TOKEN = 'metrics-token-for-tests-000000001';
const ADMIN_TOKEN = 'sk-admin-token-for-metrics-tests-01';
const TEAM_TOKEN = 'sk-team-a-token-for-metrics-000001';

const rateLimited: FakeBehaviour = { kind: 'error' as const, status: 429, body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
const serverError: FakeBehaviour = { kind: 'error' as const, status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } } };
const unavailable: FakeBehaviour = { kind: 'error' as const, status: 503, body: { error: { message: 'The engine is currently overloaded.', type: 'server_error', param: null, code: null } } };

const lastUserText = (request: RecordedRequest) => {
  const messages = request.body?.messages as { content: string }[] | undefined;
  return messages?.at(-1)?.content ?? '';
};

/** Fails the first request carrying each of `prompts` with `failure`; answers every other. */
function failOnce(prompts: Record<string, FakeBehaviour>) {
  const seen = new Set<string>();
  return (request: RecordedRequest) => {
    const text = lastUserText(request);
    const failure = prompts[text];
    if (failure === undefined || seen.has(text)) return undefined;
    seen.add(text);
    return failure;
  };
}

/** One series' value in Prometheus' text format: `name{labels} value`, labels in the order prom-client writes them. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!]));
    if (Object.keys(found).length === wanted.length && wanted.every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** The label sets of every series of `name`. */
function series(text: string, name: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => Object.fromEntries([...line.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!])));
}

async function scrape(gw: RunningGateway, token = METRICS_TOKEN): Promise<string> {
  const response = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`scrape answered ${response.status}: ${await response.text()}`);
  return response.text();
}

async function twoUpstreams(t: ExecutionContext, routes: string, extra = '', env: Record<string, string> = {}) {
  const alpha = await new FakeOpenAIUpstream().start();
  const beta = await new FakeOpenAIUpstream().start();
  const file = writeConfigFile(
    `upstreams:\n` +
      `  alpha:\n    type: openai-compatible\n    base_url: ${alpha.url}\n    api_keys: [sk-alpha-key-1-000000000000000, sk-alpha-key-2-000000000000000]\n` +
      `  beta:\n    type: openai-compatible\n    base_url: ${beta.url}\n    api_keys: [sk-beta-key-1-0000000000000000]\n` +
      `routes:\n${routes}${extra}`,
  );
  const gw = await startGateway({ CONFIG_FILE: file, MAX_RETRIES: '2', AUTH_TOKEN: ADMIN_TOKEN, METRICS_TOKEN, ...env });
  t.teardown(async () => {
    await gw.close();
    await alpha.stop();
    await beta.stop();
  });
  return { alpha, beta, gw };
}

test('after five scripted calls the metrics hold their exact counts: calls, retries, the fallback, tokens, key states and events', async (t) => {
  const { alpha, beta, gw } = await twoUpstreams(
    t,
    `  solo:\n    targets: [{ upstream: alpha, model: gpt-4o }]\n` +
      `  grp:\n    strategy: priority\n    targets: [{ upstream: alpha, model: down-model }, { upstream: beta, model: gpt-4o }]\n`,
    `tokens:\n  - { token: ${TEAM_TOKEN}, name: team-a }\n`,
  );
  const retriedOnce = failOnce({ 'once-429': rateLimited, 'once-500': serverError });
  alpha.script = (request) => (request.body?.model === 'down-model' ? unavailable : retriedOnce(request));
  const client = new OpenAI({ apiKey: TEAM_TOKEN, baseURL: gw.baseURL, maxRetries: 0 });
  const ask = (model: string, content: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content }] });
  const answers = [await ask('solo', 'hello'), await ask('solo', 'hello again'), await ask('solo', 'once-429'), await ask('solo', 'once-500'), await ask('grp', 'fall back')];
  t.is(alpha.requests.length, 8, '4 served, 1 rate limited, 1 server error, 2 refused by the down model');
  t.is(beta.requests.length, 1);

  const text = await scrape(gw);
  const call = (model: string, upstream: string) => ({ route: 'chat', model, upstream, status_class: '2xx' });
  t.is(sample(text, 'llm_gateway_requests_total', call('solo', 'alpha')), 4);
  t.is(sample(text, 'llm_gateway_requests_total', call('grp', 'beta')), 1);
  t.is(series(text, 'llm_gateway_requests_total').length, 2);
  t.is(sample(text, 'llm_gateway_request_duration_seconds_count', call('solo', 'alpha')), 4);
  t.is(sample(text, 'llm_gateway_time_to_first_byte_seconds_count', call('grp', 'beta')), 1);
  // Call 3 and 4 were retried once each (another key, then the same one); call 5 retried once on alpha, then fell back.
  t.is(sample(text, 'llm_gateway_retries_total', { route: 'chat', model: 'solo' }), 2);
  t.is(sample(text, 'llm_gateway_retries_total', { route: 'chat', model: 'grp' }), 1);
  t.is(sample(text, 'llm_gateway_fallbacks_total', { route: 'chat', model: 'grp' }), 1);
  t.is(sample(text, 'llm_gateway_fallbacks_total', { route: 'chat', model: 'solo' }), undefined);
  t.deepEqual(series(text, 'llm_gateway_hedges_total'), []);
  const reported = (pick: (usage: OpenAI.CompletionUsage) => number, from: typeof answers) => from.reduce((sum, answer) => sum + pick(answer.usage!), 0);
  t.is(sample(text, 'llm_gateway_input_tokens_total', { model: 'solo', upstream: 'alpha', client: 'team-a' }), reported((usage) => usage.prompt_tokens, answers.slice(0, 4)));
  t.is(sample(text, 'llm_gateway_output_tokens_total', { model: 'solo', upstream: 'alpha', client: 'team-a' }), reported((usage) => usage.completion_tokens, answers.slice(0, 4)));
  t.is(sample(text, 'llm_gateway_input_tokens_total', { model: 'grp', upstream: 'beta', client: 'team-a' }), answers[4]!.usage!.prompt_tokens);
  t.is(sample(text, 'llm_gateway_key_events_total', { upstream: 'alpha', event: 'rate_limited' }), 1);
  t.is(sample(text, 'llm_gateway_upstream_keys', { upstream: 'alpha', state: 'cooling' }), 1, 'the rate-limited key rests');
  t.is(sample(text, 'llm_gateway_upstream_keys', { upstream: 'alpha', state: 'valid' }), 1);
  t.is(sample(text, 'llm_gateway_upstream_keys', { upstream: 'beta', state: 'valid' }), 1);
  t.is(sample(text, 'llm_gateway_upstream_keys', { upstream: 'beta', state: 'invalid' }), 0);
  t.is(sample(text, 'llm_gateway_calls_in_flight', {}), 0);
  t.is(sample(text, 'llm_gateway_store_up', { kind: 'memory' }), 1);
  t.true(sample(text, 'llm_gateway_store_latency_seconds', {})! >= 0);
  t.true(sample(text, 'nodejs_eventloop_lag_seconds', {})! >= 0, 'the default Node metrics are there');
  for (const secret of [TEAM_TOKEN, CLIENT_TOKEN, ADMIN_TOKEN, METRICS_TOKEN, 'sk-alpha-key-1', 'sk-beta-key-1']) t.false(text.includes(secret));
});

test('a retired key and a client key over its limit are counted', async (t) => {
  const { alpha, gw } = await twoUpstreams(t, `  solo:\n    targets: [{ upstream: alpha, model: gpt-4o }]\n`, '', { MAX_FAILURES: '1', MAX_RETRIES: '1' });
  alpha.script = (request) =>
    request.headers.authorization === 'Bearer sk-alpha-key-1-000000000000000'
      ? { kind: 'error', status: 401, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } }
      : undefined;
  const created = await fetch(`${gw.url}/admin/api/client-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'one-a-minute', limits: { rpm: 1 } }),
  });
  t.is(created.status, 201, await created.clone().text());
  const { key } = (await created.json()) as { key: string };
  const client = new OpenAI({ apiKey: key, baseURL: gw.baseURL, maxRetries: 0 });
  const ask = () => client.chat.completions.create({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] });
  // The first call takes the first key, which the upstream refuses: retired at once, and no retry is left.
  const first = await ask().catch((error: unknown) => error);
  t.true(first instanceof OpenAI.APIError);
  const second = await ask().catch((error: unknown) => error);
  t.is((second as InstanceType<typeof OpenAI.APIError>).status, 429, 'one call a minute');
  await gw.client().chat.completions.create({ model: 'solo', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
  const text = await scrape(gw);
  t.is(sample(text, 'llm_gateway_client_limit_refusals_total', { limit: 'requestsPerMinute' }), 1);
  t.is(sample(text, 'llm_gateway_key_events_total', { upstream: 'alpha', event: 'invalidated' }), 1);
  t.is(sample(text, 'llm_gateway_upstream_keys', { upstream: 'alpha', state: 'invalid' }), 1);
});

test('/metrics on the main port refuses requests without the metrics token or the admin token', async (t) => {
  const { gw } = await twoUpstreams(t, `  solo:\n    targets: [{ upstream: alpha }]\n`);
  for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${CLIENT_TOKEN}`, `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`]) {
    const response = await fetch(`${gw.url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
    t.is(response.status, 401, authorization);
    const body = (await response.json()) as { error: { message: string; type: string; code: string } };
    t.is(body.error.code, 'invalid_metrics_token');
    t.is(body.error.type, 'invalid_request_error');
    t.false(JSON.stringify(body).includes(METRICS_TOKEN));
  }
  const byMetricsToken = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  t.is(byMetricsToken.status, 200);
  t.regex(byMetricsToken.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  t.regex(await byMetricsToken.text(), /# TYPE llm_gateway_requests_total counter/);
  t.is((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200, 'the admin token is accepted too');
});

test('/metrics is not served when neither METRICS_TOKEN nor METRICS_PORT is set', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({ OPENAI_API_KEYS: 'sk-upstream-metrics-off-00000001', OPENAI_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN_TOKEN });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  t.is(gw.gateway.metrics, undefined);
  t.is(await gw.gateway.serveMetricsPort(), undefined);
  for (const token of [ADMIN_TOKEN, CLIENT_TOKEN]) {
    const response = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    t.is(response.status, 404);
    t.is(((await response.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  }
});

test('METRICS_PORT serves /metrics on loopback without a token, and the main port then does not serve them', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({ OPENAI_API_KEYS: 'sk-upstream-metrics-port-0000001', OPENAI_BASE_URL: upstream.url, METRICS_PORT: '0' });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  const port = await gw.gateway.serveMetricsPort();
  t.truthy(port);
  await gw.client().chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.is(response.status, 200);
  t.is(sample(await response.text(), 'llm_gateway_requests_total', { route: 'chat', model: 'gpt-4o', upstream: 'openai', status_class: '2xx' }), 1);
  t.is((await fetch(`http://127.0.0.1:${port}/v1/models`)).status, 404, 'that port serves nothing else');
  t.is((await fetch(`${gw.url}/metrics`)).status, 404);
});

test('labels stay bounded after 1,000 calls with random client names and model names', async (t) => {
  const names = Array.from({ length: 1000 }, (_, index) => ({ token: `sk-random-client-${String(index).padStart(4, '0')}-0000000000`, name: `client-${Math.random().toString(36).slice(2)}` }));
  const { gw } = await twoUpstreams(
    t,
    `  "rnd-*":\n    targets: [{ upstream: alpha }]\n`,
    `tokens:\n${names.map(({ token, name }) => `  - { token: ${token}, name: ${name} }`).join('\n')}\n`,
  );
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < names.length; index = next++) {
      const response = await fetch(`${gw.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${names[index]!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: `rnd-${Math.random().toString(36).slice(2)}`, messages: [{ role: 'user', content: 'hi' }] }),
      });
      if (response.status !== 200) throw new Error(`call ${index} answered ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  const text = await scrape(gw);
  const calls = series(text, 'llm_gateway_requests_total');
  t.is(calls.length, 101, 'a hundred models, and the rest as other');
  t.is(calls.reduce((sum, labels) => sum + sample(text, 'llm_gateway_requests_total', labels)!, 0), 1000);
  t.true(calls.some((labels) => labels.model === 'other'));
  const tokenSeries = series(text, 'llm_gateway_input_tokens_total');
  t.true(tokenSeries.length <= 101 * 101);
  t.is(new Set(tokenSeries.map((labels) => labels.client)).size, 101, 'a hundred client names, and the rest as other');
  t.is(new Set(tokenSeries.map((labels) => labels.model)).size, 101);
  t.is(series(text, 'llm_gateway_request_duration_seconds_count').length, 101);
});
