import test from 'ava';
import { connect } from 'node:net';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { deferred } from '../helpers/deferred.js';
import { CLIENT_TOKEN, gatewayInFrontOf, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const chatBody = (text: string) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] });

const chat = (gw: RunningGateway, text: string) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' }, body: chatBody(text) });

const load = async (gw: RunningGateway) => ((await (await fetch(`${gw.url}/health`)).json()) as { load: { in_flight: number; max: number; queued: number; overloaded: boolean; shed: number } }).load;

/** A gateway allowing `max` calls in flight, in front of an upstream that holds every answer until released. */
async function heldGateway(t: Parameters<typeof gatewayInFrontOf>[0], max: number, waitMs: number) {
  const release = deferred();
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({
    OPENAI_API_KEY: 'sk-shed-load-key-000000000001',
    OPENAI_BASE_URL: upstream.url,
    MAX_IN_FLIGHT: String(max),
    MAX_QUEUE_WAIT_MS: String(waitMs),
  }));
  fake.script = () => ({ kind: 'reply', text: 'held answer', hold: release.promise });
  t.teardown(release.resolve);
  return { fake, gw, release: release.resolve };
}

test('beyond MAX_IN_FLIGHT a call gets 503 with Retry-After in OpenAI’s shape, and the calls within it are unaffected', async (t) => {
  const { fake, gw, release } = await heldGateway(t, 2, 50);
  const held = [chat(gw, 'one'), chat(gw, 'two')];
  await waitFor(() => fake.requests.length === 2, 'both calls reaching the upstream');

  const shed = await chat(gw, 'three');
  t.is(shed.status, 503);
  t.is(shed.headers.get('retry-after'), '1');
  t.deepEqual(await shed.json(), {
    error: { message: 'The gateway is handling as many calls as it is allowed to; retry shortly.', type: 'server_error', param: null, code: 'overloaded' },
  });
  t.is(fake.requests.length, 2, 'the shed call never reached the upstream');

  const anthropic = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': CLIENT_TOKEN, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: 'four' }] }),
  });
  t.is(anthropic.status, 529, 'Anthropic’s clients hear overloaded in their own protocol');
  t.is(anthropic.headers.get('retry-after'), '1');
  t.like(await anthropic.json(), { type: 'error', error: { type: 'overloaded_error' } });

  t.deepEqual(await load(gw), { in_flight: 2, max: 2, queued: 0, overloaded: true, shed: 2 }, '/health is never shed and reports it');
  const models = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${CLIENT_TOKEN}` } });
  t.is(models.status, 200, 'only inference calls are shed');

  release();
  for (const response of await Promise.all(held)) {
    t.is(response.status, 200);
    t.is(((await response.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'held answer');
  }
  t.is((await chat(gw, 'five')).status, 200, 'slots come back once the answers are out');
  t.like(await load(gw), { in_flight: 0, overloaded: false });
});

test('a call waits up to MAX_QUEUE_WAIT_MS for a slot and is served when one frees', async (t) => {
  const { fake, gw, release } = await heldGateway(t, 1, 10_000);
  const first = chat(gw, 'first');
  await waitFor(() => fake.requests.length === 1, 'the first call reaching the upstream');
  const second = chat(gw, 'second');
  await waitFor(async () => (await load(gw)).queued === 1, 'the second call queueing');
  t.is(fake.requests.length, 1, 'the queued call waits before reaching the upstream');
  release();
  t.is((await first).status, 200);
  t.is((await second).status, 200);
  t.like(await load(gw), { in_flight: 0, queued: 0, shed: 0 });
});

test('a client that leaves while its call waits for a slot gives its place up', async (t) => {
  const { fake, gw, release } = await heldGateway(t, 1, 10_000);
  const first = chat(gw, 'first');
  await waitFor(() => fake.requests.length === 1, 'the first call reaching the upstream');
  const leaving = new AbortController();
  const gone = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}` }, body: chatBody('gone'), signal: leaving.signal }).catch(() => 'aborted');
  await waitFor(async () => (await load(gw)).queued === 1, 'the second call queueing');
  leaving.abort();
  t.is(await gone, 'aborted');
  await waitFor(async () => (await load(gw)).queued === 0, 'the abandoned call leaving the queue');
  release();
  t.is((await first).status, 200);
  t.is((await chat(gw, 'next')).status, 200);
  t.is(fake.requests.length, 2, 'the abandoned call never reached the upstream');
  t.like(await load(gw), { in_flight: 0, shed: 0 });
});

/** Sends the headers and the first bytes of a body, then trickles nothing; resolves with what the server sent. */
function trickle(url: string, path: string, headers: Record<string, string>): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': '1000', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`POST ${path} HTTP/1.1\r\n${head.join('')}\r\n{"model":"gpt-4o","messages":[`);
  });
}

test('a client trickling its body is cut off with 408 once REQUEST_BODY_TIMEOUT_SECONDS pass, and the connection closed', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({
    OPENAI_API_KEY: 'sk-body-timeout-key-0000000001',
    OPENAI_BASE_URL: upstream.url,
    REQUEST_BODY_TIMEOUT_SECONDS: '0.3',
    MAX_IN_FLIGHT: '1',
  }));
  const answer = await trickle(gw.url, '/v1/chat/completions', { authorization: `Bearer ${CLIENT_TOKEN}` });
  t.regex(answer, /^HTTP\/1\.1 408 /);
  t.regex(answer, /\r\nconnection: close\r\n/i);
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;
  t.deepEqual(body, { error: { message: 'The request body was not received within 0.3 seconds.', type: 'invalid_request_error', param: null, code: 'request_timeout' } });
  t.is(fake.requests.length, 0);
  t.is((await chat(gw, 'after')).status, 200, 'the slot it held is free again');
});

test('admin routes take a smaller body than inference calls', async (t) => {
  const { gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({
    OPENAI_API_KEY: 'sk-admin-body-key-00000000001',
    OPENAI_BASE_URL: upstream.url,
    MAX_ADMIN_BODY_SIZE: '1kb',
  }));
  const large = 'x'.repeat(4096);
  t.is((await chat(gw, large)).status, 200);
  const admin = await fetch(`${gw.url}/admin/api/client-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: large }),
  });
  t.is(admin.status, 413);
  t.like(await admin.json(), { error: { message: 'Request body too large: the limit is 1024 bytes.', code: 'request_too_large' } });
});
