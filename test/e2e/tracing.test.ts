import test from 'ava';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { CLIENT_TOKEN, startGateway, type RunningGateway } from '../helpers/gateway.js';

// Tracing end to end: the client's traceparent and request id reach the fake upstream, the call's log lines name
// the trace, and every answer says in Server-Timing what the gateway and the upstream took.

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TIMING_WITH_UPSTREAM = /^gateway;dur=\d+(\.\d)?, upstream;dur=\d+(\.\d)?$/;

let upstream: FakeOpenAIUpstream;
let gw: RunningGateway;

test.before(async () => {
  upstream = await new FakeOpenAIUpstream().start();
  gw = await startGateway({ OPENAI_API_KEYS: 'sk-upstream-tracing-key-00000001', OPENAI_BASE_URL: upstream.url });
});

test.after.always(async () => {
  await gw?.close();
  await upstream?.stop();
});

const chat = (headers: Record<string, string>, body: Record<string, unknown> = {}) =>
  fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });

test.serial('the client’s traceparent reaches the upstream with the same trace id and a span of the gateway’s, with the request id', async (t) => {
  const response = await chat({ traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`, 'x-request-id': 'req-tracing-0001' });
  t.is(response.status, 200);
  await response.arrayBuffer();
  const sent = TRACEPARENT.exec(String(upstream.last.headers.traceparent));
  t.truthy(sent, String(upstream.last.headers.traceparent));
  t.is(sent![1], CLIENT_TRACE_ID);
  t.not(sent![2], CLIENT_SPAN_ID, 'the upstream call is a new span');
  t.is(sent![3], '01');
  t.is(upstream.last.headers['x-request-id'], 'req-tracing-0001');
  t.is(response.headers.get('x-request-id'), 'req-tracing-0001');
});

test.serial('a call without a traceparent, or with a malformed one, gets a fresh trace at the upstream, named in its log lines', async (t) => {
  for (const headers of [{} as Record<string, string>, { traceparent: `00-${CLIENT_TRACE_ID}-0000000000000000-01` }, { traceparent: 'not-a-trace' }]) {
    const response = await chat(headers);
    t.is(response.status, 200);
    await response.arrayBuffer();
    const sent = TRACEPARENT.exec(String(upstream.last.headers.traceparent));
    t.truthy(sent);
    t.not(sent![1], CLIENT_TRACE_ID);
    t.not(sent![1], '0'.repeat(32));
    const requestId = response.headers.get('x-request-id');
    t.is(upstream.last.headers['x-request-id'], requestId ?? undefined);
    const lines = gw.logs.filter((line) => line.reqId === requestId);
    t.true(lines.length > 0);
    for (const line of lines) t.is(line.trace_id, sent![1], 'every log line of the call names its trace');
  }
});

test.serial('log lines of a failing call carry the client’s trace id', async (t) => {
  upstream.script = () => ({ kind: 'error', status: 400, body: { error: { message: 'Bad parameter.', type: 'invalid_request_error', param: null, code: null } } });
  t.teardown(() => (upstream.script = () => undefined));
  const response = await chat({ traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-00` });
  t.is(response.status, 400);
  t.regex(response.headers.get('server-timing') ?? '', TIMING_WITH_UPSTREAM, 'an upstream error still says how long the upstream took');
  await response.arrayBuffer();
  const lines = gw.logs.filter((line) => line.reqId === response.headers.get('x-request-id'));
  t.true(lines.some((line) => line.msg === 'request rejected'));
  for (const line of lines) t.is(line.trace_id, CLIENT_TRACE_ID);
});

test.serial('Server-Timing is on JSON answers, on streams before their body, and on errors', async (t) => {
  const json = await chat({});
  t.regex(json.headers.get('server-timing') ?? '', TIMING_WITH_UPSTREAM);
  await json.arrayBuffer();

  upstream.script = () => ({ kind: 'reply', text: 'one two three four', chunkDelayMs: 20 });
  t.teardown(() => (upstream.script = () => undefined));
  const stream = await chat({}, { stream: true });
  t.is(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  t.regex(stream.headers.get('server-timing') ?? '', TIMING_WITH_UPSTREAM, 'sent with the headers, before the body');
  t.regex(await stream.text(), /data: \[DONE\]/);

  const unauthorized = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.is(unauthorized.status, 401);
  t.regex(unauthorized.headers.get('server-timing') ?? '', /^gateway;dur=\d+(\.\d)?$/, 'no upstream was called');
  const unknownModel = await chat({}, { model: 'no-such-model' });
  t.is(unknownModel.status, 404);
  t.regex(unknownModel.headers.get('server-timing') ?? '', /^gateway;dur=/);
});
