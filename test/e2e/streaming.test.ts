import test from 'ava';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { CLIENT_TOKEN, startGateway, type RunningGateway } from '../helpers/gateway.js';

let upstream: FakeOpenAIUpstream;
let gw: RunningGateway;

test.before(async () => {
  upstream = await new FakeOpenAIUpstream().start();
  gw = await startGateway({ MAX_RETRIES: '1', OPENAI_API_KEY: 'sk-upstream-stream-tests-0001', OPENAI_BASE_URL: upstream.url, TIME_OUT: '1' });
});

test.after.always(async () => {
  await gw?.close();
  await upstream?.stop();
});

test.afterEach.always(async () => {
  upstream.script = () => undefined;
  await gw.resetKeys();
});

const streamRequest = {
  model: 'gpt-4o',
  messages: [{ role: 'user' as const, content: 'one two three four five six' }],
  stream: true as const,
};

function rawStream(signal?: AbortSignal) {
  return fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(streamRequest),
    signal,
  });
}

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

test.serial('the first chunk reaches the client while the upstream is still streaming', async (t) => {
  // The upstream sends three chunks and then goes silent: anything the client sees was forwarded, not buffered.
  upstream.script = () => ({ kind: 'reply', text: 'one two three four five six', hangAfterChunks: 3 });
  const controller = new AbortController();
  const response = await rawStream(controller.signal);
  const reader = response.body!.getReader();
  let received = '';
  while ((received.match(/data: /g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    received += Buffer.from(value).toString('utf8');
  }
  t.is((received.match(/data: /g) ?? []).length, 3);
  t.regex(received, /"role":"assistant"/);
  t.regex(received, /"content":"one "/);
  t.is(upstream.aborted.length, 0, 'the upstream was still streaming');
  controller.abort();
});

test.serial('a client that disconnects aborts the upstream request within a second', async (t) => {
  upstream.aborted.length = 0;
  upstream.script = () => ({ kind: 'reply', text: 'never ending story', hangAfterChunks: 2 });
  const controller = new AbortController();
  const stream = await gw.client().chat.completions.create(streamRequest, { signal: controller.signal });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.false(first.done);
  controller.abort();
  await withTimeout(upstream.waitForAbort(), 1000, 'the upstream abort');
  t.is(upstream.aborted.length, 1);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const line = gw.logs.findLast((entry) => entry.msg === 'request completed' || entry.msg === 'request rejected');
  t.is(line?.stream, 'client_aborted');
});

test.serial('a client that disconnects while waiting for a non-stream answer aborts the upstream too', async (t) => {
  upstream.aborted.length = 0;
  upstream.script = () => ({ kind: 'reply', text: 'slow', headerDelayMs: 800 });
  const controller = new AbortController();
  const pending = gw.client().chat.completions.create({ ...streamRequest, stream: false }, { signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 100));
  controller.abort();
  await t.throwsAsync(pending);
  // The fake notices the closed connection when it tries to answer.
  await withTimeout(upstream.waitForAbort(), 1500, 'the upstream abort');
  t.is(upstream.aborted.length, 1);
});

test.serial('an upstream that breaks mid-stream ends the stream with an error event and no [DONE]', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'one two three four five six', failAfterChunks: 3 });
  const response = await rawStream();
  t.is(response.status, 200);
  const text = await response.text();
  const events = text.split('\n\n').filter((event) => event !== '');
  t.is(events.length, 4);
  t.false(text.includes('[DONE]'));
  const last = JSON.parse(events.at(-1)!.replace(/^data: /, '')) as { error: { message: string; type: string; code: string } };
  t.is(last.error.type, 'server_error');
  t.is(last.error.code, 'upstream_connection_error');
  // Text already sent is not sent again.
  t.is(text.split('"content":"one "').length, 2);
});

test.serial('the SDK iterator raises an APIError after the chunks it got when the stream fails', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'one two three four five six', failAfterChunks: 4 });
  const stream = await gw.client().chat.completions.create(streamRequest);
  let text = '';
  const error = await t.throwsAsync(async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  });
  t.true(error instanceof OpenAI.APIError);
  t.is(text, 'one two three ');
});

test.serial('an error event sent by the upstream mid-stream is passed on as an error event', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'one two three', errorAfterChunks: 2 });
  const text = await (await rawStream()).text();
  t.false(text.includes('[DONE]'));
  t.regex(text, /data: \{"error":\{"message":"The server had an error while processing your request\. Sorry about that!","type":"server_error"/);
});

test.serial('an upstream stream that stops before any finish_reason is reported, not completed', async (t) => {
  upstream.script = () => ({ kind: 'raw', status: 200, contentType: 'text/event-stream', body: 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}\n\n' });
  const text = await (await rawStream()).text();
  t.false(text.includes('[DONE]'));
  t.regex(text, /"code":"upstream_stream_truncated"/);
});

test.serial('an upstream error before the stream starts is a plain HTTP error', async (t) => {
  upstream.script = () => ({ kind: 'error', status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
  const response = await rawStream();
  t.is(response.status, 500);
  t.regex(response.headers.get('content-type') ?? '', /application\/json/);
  t.deepEqual(await response.json(), { error: { message: 'boom', type: 'server_error', param: null, code: null } });
});

test.serial('an upstream that never answers times out with a 504', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'late', headerDelayMs: 2500 });
  const error = (await t.throwsAsync(gw.client().chat.completions.create({ ...streamRequest, stream: false }))) as InstanceType<typeof OpenAI.APIError>;
  t.is(error.status, 504);
  t.is(error.code, 'upstream_timeout');
});

test.serial('a stream that goes silent times out with an error event', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'one two three', hangAfterChunks: 2 });
  const text = await (await rawStream()).text();
  t.false(text.includes('[DONE]'));
  t.regex(text, /"code":"upstream_timeout"/);
});

test.serial('an unreachable upstream is a 502', async (t) => {
  const offline = await startGateway({ OPENAI_API_KEY: 'sk-x-0000000000000000', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  try {
    const error = (await t.throwsAsync(offline.client().chat.completions.create({ ...streamRequest, stream: false }))) as InstanceType<typeof OpenAI.APIError>;
    t.is(error.status, 502);
    t.is(error.code, 'upstream_connection_error');
  } finally {
    await offline.close();
  }
});

test.serial('an upstream that ignores stream:true and answers with JSON is still streamed to the client', async (t) => {
  const completion = {
    id: 'chatcmpl-json',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: 'whole answer at once' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 },
  };
  upstream.script = () => ({ kind: 'raw', status: 200, contentType: 'application/json', body: JSON.stringify(completion) });
  const stream = await gw.client().chat.completions.create({ ...streamRequest, stream_options: { include_usage: true } });
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    usage = chunk.usage ?? usage;
  }
  t.is(text, 'whole answer at once');
  t.is(usage?.total_tokens, 5);
});

test.serial('an upstream that answers a stream request with a JSON error and 200 gives that error', async (t) => {
  upstream.script = () => ({ kind: 'raw', status: 200, contentType: 'application/json', body: '{"error":{"message":"model is overloaded","type":"server_error","code":503}}' });
  const response = await rawStream();
  t.is(response.status, 503);
  t.is(((await response.json()) as { error: { message: string } }).error.message, 'model is overloaded');
});
