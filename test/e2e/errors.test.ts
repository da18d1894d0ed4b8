import test from 'ava';
import { gzipSync } from 'node:zlib';
import OpenAI from 'openai';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { readJsonFixture } from '../helpers/fixtures.js';
import { CLIENT_TOKEN, gatewayInFrontOf, startGateway, type RunningGateway } from '../helpers/gateway.js';

const UPSTREAM_KEY = 'sk-upstream-key-for-error-tests-0000001';

let upstream: FakeOpenAIUpstream;
let gw: RunningGateway;

test.before(async () => {
  upstream = await new FakeOpenAIUpstream().start();
  gw = await startGateway({ MAX_RETRIES: '1', OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: upstream.url, MAX_REQUEST_BODY_SIZE: '4kb' });
});

test.after.always(async () => {
  await gw?.close();
  await upstream?.stop();
});

test.afterEach.always(async () => {
  upstream.script = () => undefined;
  await gw.resetKeys();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.baseURL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });

function assertOpenAIErrorShape(t: import('ava').ExecutionContext, body: unknown) {
  const error = (body as { error: Record<string, unknown> }).error;
  t.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
  t.is(typeof error.message, 'string');
  t.is(typeof error.type, 'string');
}

const chatRequest = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi' }] };

test.serial('a missing token is refused with 401 in OpenAI shape', async (t) => {
  const response = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(chatRequest) });
  t.is(response.status, 401);
  const body = await response.json();
  assertOpenAIErrorShape(t, body);
  t.regex((body as { error: { message: string } }).error.message, /didn't provide an API key/);
  t.is(upstream.requests.length, 0);
});

test.serial('a wrong token is refused with 401 by the SDK', async (t) => {
  const error = await t.throwsAsync(gw.client('sk-wrong-token').chat.completions.create(chatRequest));
  t.true(error instanceof OpenAI.AuthenticationError);
  t.is((error as InstanceType<typeof OpenAI.AuthenticationError>).status, 401);
  t.is((error as InstanceType<typeof OpenAI.AuthenticationError>).code, 'invalid_api_key');
});

test.serial('/v1/models needs a token too', async (t) => {
  const response = await fetch(`${gw.baseURL}/models`);
  t.is(response.status, 401);
});

test.serial('malformed JSON is a 400', async (t) => {
  const response = await post('/chat/completions', '{"model": "gpt-4o", "messages": [');
  t.is(response.status, 400);
  const body = (await response.json()) as { error: { message: string; code: string } };
  assertOpenAIErrorShape(t, body);
  t.is(body.error.code, 'invalid_json');
  t.regex(body.error.message, /could not parse the JSON body/);
});

test.serial('a JSON body that is not an object is a 400', async (t) => {
  const response = await post('/chat/completions', '"just a string"');
  t.is(response.status, 400);
  assertOpenAIErrorShape(t, await response.json());
});

test.serial('a wrong type is a 400 naming the field', async (t) => {
  const error = await t.throwsAsync(
    gw.client().chat.completions.create({ ...chatRequest, temperature: 'hot' } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming),
  );
  t.true(error instanceof OpenAI.BadRequestError);
  const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
  t.is(apiError.param, 'temperature');
  t.is(apiError.code, 'invalid_type');
  t.regex(apiError.message, /Invalid type for 'temperature': expected a number, but got a string instead/);
});

test.serial('a wrong type deep inside messages names its path', async (t) => {
  const response = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 42 }] }));
  t.is(response.status, 400);
  const body = (await response.json()) as { error: { param: string } };
  t.is(body.error.param, 'messages[1].content');
});

test.serial('an unknown role is a 400 naming the field', async (t) => {
  const response = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'robot', content: 'a' }] }));
  t.is(response.status, 400);
  const body = (await response.json()) as { error: { param: string; message: string } };
  t.is(body.error.param, 'messages[0].role');
  t.regex(body.error.message, /'user'/);
});

test.serial('missing messages is a 400', async (t) => {
  const response = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o' }));
  t.is(response.status, 400);
  const body = (await response.json()) as { error: { param: string; message: string; code: string } };
  assertOpenAIErrorShape(t, body);
  t.is(body.error.param, 'messages');
  t.is(body.error.code, 'missing_required_parameter');
  t.is(body.error.message, "Missing required parameter: 'messages'.");
});

test.serial('empty messages and a missing model are 400s', async (t) => {
  const empty = await post('/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [] }));
  t.is(empty.status, 400);
  t.is(((await empty.json()) as { error: { code: string } }).error.code, 'empty_array');
  const noModel = await post('/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }));
  t.is(noModel.status, 400);
  t.is(((await noModel.json()) as { error: { param: string } }).error.param, 'model');
});

test.serial('an oversized body is a 413', async (t) => {
  const big = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] });
  const response = await post('/chat/completions', big);
  t.is(response.status, 413);
  const body = (await response.json()) as { error: { message: string } };
  assertOpenAIErrorShape(t, body);
  t.regex(body.error.message, /4096 bytes/);
});

test.serial('a body declaring a Content-Length beyond the limit is a 413 before it is read', async (t) => {
  const { request } = await import('node:http');
  const url = new URL(gw.baseURL);
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-length': '100000' } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    outgoing.on('error', reject);
    outgoing.write('{"model":');
  });
  t.is(status, 413);
});

test.serial('a body with a prototype-poisoning key is a 400 invalid_json and never reaches the upstream', async (t) => {
  const before = upstream.requests.length;
  const response = await post('/chat/completions', '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"__proto__":{"admin":true}}');
  t.is(response.status, 400);
  t.is(((await response.json()) as { error: { code: string } }).error.code, 'invalid_json');
  t.is(upstream.requests.length, before);
});

test.serial('a body that starts with a byte order mark, or comes gzip-compressed, is read as the JSON it holds', async (t) => {
  const before = upstream.requests.length;
  const withBom = await post('/chat/completions', `\ufeff${JSON.stringify(chatRequest)}`);
  t.is(withBom.status, 200);
  await withBom.arrayBuffer();
  const compressed = await fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify(chatRequest)),
  });
  t.is(compressed.status, 200);
  await compressed.arrayBuffer();
  t.is(upstream.requests.length, before + 2);
});

test.serial('an unknown model is a 404 model_not_found', async (t) => {
  const error = await t.throwsAsync(gw.client().chat.completions.create({ ...chatRequest, model: 'no-such-model' }));
  t.true(error instanceof OpenAI.NotFoundError);
  t.is((error as InstanceType<typeof OpenAI.NotFoundError>).code, 'model_not_found');
});

test.serial('a model of an unconfigured provider is a 404 that says so', async (t) => {
  const error = await t.throwsAsync(gw.client().chat.completions.create({ ...chatRequest, model: 'deepseek-chat' }));
  t.true(error instanceof OpenAI.NotFoundError);
  t.regex((error as Error).message, /deepseek.*not configured/);
  const prefixed = await t.throwsAsync(gw.client().chat.completions.create({ ...chatRequest, model: 'deepseek/deepseek-chat' }));
  t.is((prefixed as InstanceType<typeof OpenAI.NotFoundError>).code, 'model_not_found');
});

test.serial('an unknown route is a 404 in OpenAI shape; a wrong method is a 405', async (t) => {
  const response = await fetch(`${gw.baseURL}/chat/completion`, { method: 'POST', headers: { authorization: `Bearer ${CLIENT_TOKEN}` } });
  t.is(response.status, 404);
  const body = (await response.json()) as { error: { message: string } };
  assertOpenAIErrorShape(t, body);
  t.is(body.error.message, 'Invalid URL (POST /v1/chat/completion)');

  const wrongMethod = await fetch(`${gw.baseURL}/chat/completions`, { headers: { authorization: `Bearer ${CLIENT_TOKEN}` } });
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.headers.get('allow'), 'POST');
  assertOpenAIErrorShape(t, await wrongMethod.json());
});

test.serial('an upstream 429 arrives as a 429 with its message and Retry-After', async (t) => {
  const upstreamError = {
    error: {
      message: 'Rate limit reached for gpt-4o in organization org-abc on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.',
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
  };
  upstream.script = () => ({ kind: 'error', status: 429, body: upstreamError, headers: { 'retry-after': '20' } });
  const error = await t.throwsAsync(gw.client().chat.completions.create(chatRequest));
  t.true(error instanceof OpenAI.RateLimitError);
  const apiError = error as InstanceType<typeof OpenAI.RateLimitError>;
  t.is(apiError.status, 429);
  t.is(apiError.error && (apiError.error as { message: string }).message, upstreamError.error.message);
  t.is(apiError.code, 'rate_limit_exceeded');
  t.is(apiError.type, 'requests');
  t.is(apiError.headers.get('retry-after'), '20');
});

test.serial('a recorded OpenAI quota error keeps its status, type and code', async (t) => {
  upstream.script = () => ({ kind: 'error', status: 429, body: readJsonFixture('openai/openai-error.1.json') });
  const response = await post('/chat/completions', JSON.stringify(chatRequest));
  t.is(response.status, 429);
  t.deepEqual(await response.json(), readJsonFixture('openai/openai-error.1.json'));
});

test.serial('an upstream 400 keeps its param and code', async (t) => {
  upstream.script = () => ({ kind: 'error', status: 400, body: readJsonFixture('openai/reasoning-model-legacy-parameter-error.json') });
  const error = (await t.throwsAsync(gw.client().chat.completions.create({ ...chatRequest, max_tokens: 5 }))) as InstanceType<typeof OpenAI.BadRequestError>;
  t.is(error.status, 400);
  t.is(error.param, 'max_tokens');
  t.is(error.code, 'unsupported_parameter');
});

test.serial('upstream errors never carry the upstream key', async (t) => {
  upstream.script = () => ({
    kind: 'error',
    status: 401,
    body: { error: { message: `Key ${UPSTREAM_KEY} was revoked (also sk-proj-ABCDEFGHIJKLMNOPQRSTUV)`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
  });
  const response = await post('/chat/completions', JSON.stringify(chatRequest));
  t.is(response.status, 401);
  const text = await response.text();
  t.false(text.includes(UPSTREAM_KEY));
  t.false(text.includes('sk-proj-ABCDEFGHIJKLMNOPQRSTUV'));
  t.regex(text, /was revoked/);
});

test.serial('a non-JSON upstream error page keeps its status and gives a readable message', async (t) => {
  upstream.script = () => ({ kind: 'raw', status: 503, contentType: 'text/html', body: '<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>' });
  const response = await post('/chat/completions', JSON.stringify(chatRequest));
  t.is(response.status, 503);
  const body = (await response.json()) as { error: { message: string; type: string } };
  t.is(body.error.message, '503 Service Temporarily Unavailable');
  t.is(body.error.type, 'server_error');
});

test.serial('a 200 that is not JSON is reported as a bad gateway', async (t) => {
  upstream.script = () => ({ kind: 'raw', status: 200, contentType: 'text/html', body: '<html>captive portal</html>' });
  const response = await post('/chat/completions', JSON.stringify(chatRequest));
  t.is(response.status, 502);
  assertOpenAIErrorShape(t, await response.json());
});

test.serial('a 200 answer cut off before its end is a bad gateway, not passed on', async (t) => {
  const whole = JSON.stringify(readJsonFixture('openai/openai-text.json'));
  upstream.script = () => ({ kind: 'raw', status: 200, contentType: 'application/json', body: whole.slice(0, whole.length - 40) });
  const response = await post('/chat/completions', JSON.stringify(chatRequest));
  t.is(response.status, 502);
  t.is(((await response.json()) as { error: { code: string } }).error.code, 'upstream_invalid_response');
});

test.serial('a 200 whose body is an error object is that error, not a completion', async (t) => {
  upstream.script = () => ({
    kind: 'raw',
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ error: { message: 'The proxy ran out of credit.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }),
  });
  const response = await post('/chat/completions', JSON.stringify(chatRequest));
  t.is(response.status, 502);
  const body = (await response.json()) as { error: { message: string; code: string } };
  assertOpenAIErrorShape(t, body);
  t.regex(body.error.message, /ran out of credit/);
  t.is(body.error.code, 'insufficient_quota');
});

test('a request refused for two reasons at once (a bad part, then an unknown tool call id) is one 400, and the gateway stays up', async (t) => {
  // Found by fuzzing: the first refusal used to be left as an unhandled promise rejection, which ends a Node process.
  const gemini = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({ API_KEYS: JSON.stringify(['AIzaSyTwoRefusals000000000000000001']), BASE_URL: upstream.url }));
  const messages = [
    { role: 'user', content: [{ type: 'unknown_part' }] },
    { role: 'tool', tool_call_id: 'call_nobody_made', content: 'result' },
  ];
  const refused = await gemini.gw.client().chat.completions.create({ model: 'gemini-2.5-flash', messages } as never).catch((error: unknown) => error);
  t.true(refused instanceof OpenAI.BadRequestError);
  await new Promise((resolve) => setImmediate(resolve));
  const after = await gemini.gw.client().chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'still there?' }] });
  t.truthy(after.choices[0]?.message.content);
});
