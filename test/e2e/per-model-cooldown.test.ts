import test, { type ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { FakeGeminiUpstream, rateLimitError, type RecordedGeminiRequest } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { CLIENT_TOKEN, gatewayInFrontOf, type RunningGateway } from '../helpers/gateway.js';

// A rate-limited key rests for the model it was limited on when the provider's limits are per model (Gemini), and
// for every model otherwise: the real gateway, the OpenAI SDK, one upstream key, and a fake upstream counting calls.

const GEMINI_KEY = 'AIzaSyPerModelCooldownKeyOne000000001';

interface KeyView {
  status: string;
  cooling_until: string | null;
  cooling_models: Record<string, string>;
}

const ask = (gw: RunningGateway, model: string) => gw.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

async function refused(t: ExecutionContext, gw: RunningGateway, model: string): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await t.throwsAsync(ask(gw, model));
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an API error, got ${String(error)}`);
  return error;
}

const keyView = async (gw: RunningGateway, provider: string): Promise<KeyView> =>
  (await adminApi(gw, CLIENT_TOKEN).get<{ keys: KeyView[] }>(`/admin/api/upstream-keys/${provider}`)).body.keys[0]!;

/** Gemini's real answer to a free-tier key over its per-minute quota for a model: 429 RESOURCE_EXHAUSTED. */
const resourceExhausted = { kind: 'error' as const, status: 429, body: rateLimitError({ retryDelay: '30s' }) };

const callsFor = (fake: FakeGeminiUpstream, model: string, key?: string) =>
  fake.calls.filter((call: RecordedGeminiRequest) => call.model === model && (key === undefined || call.apiKey === key)).length;

test('Gemini: a key rate limited on gemini-2.5-pro still serves gemini-2.5-flash; pro is refused without an upstream call until a reset', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({ API_KEYS: JSON.stringify([GEMINI_KEY]), BASE_URL: upstream.url }));
  let proLimited = true;
  fake.script = (request) => (request.model === 'gemini-2.5-pro' && proLimited ? resourceExhausted : undefined);

  const limited = await refused(t, gw, 'gemini-2.5-pro');
  t.is(limited.status, 429);
  t.is(callsFor(fake, 'gemini-2.5-pro'), 1);

  const flash = await ask(gw, 'gemini-2.5-flash');
  t.is(flash.choices[0]!.message.content, 'You said: hi');
  t.is(callsFor(fake, 'gemini-2.5-flash', GEMINI_KEY), 1, 'the same single key served the other model');

  const resting = await refused(t, gw, 'gemini-2.5-pro');
  t.is(resting.status, 503);
  t.is(resting.code, 'upstream_keys_unavailable');
  t.regex(resting.message, /1 cooling down/);
  const retryAfter = Number(resting.headers?.get('retry-after'));
  t.true(retryAfter > 20 && retryAfter <= 30, `Retry-After ${retryAfter} is the end of the pro rest`);
  t.is(callsFor(fake, 'gemini-2.5-pro'), 1, 'the resting key was not sent for pro');

  const view = await keyView(gw, 'gemini');
  t.is(view.status, 'valid');
  t.is(view.cooling_until, null);
  t.deepEqual(Object.keys(view.cooling_models), ['gemini-2.5-pro']);
  t.true(Date.parse(view.cooling_models['gemini-2.5-pro']!) - Date.now() > 20_000, 'for the RetryInfo delay');

  proLimited = false;
  t.is((await adminApi(gw, CLIENT_TOKEN).post('/admin/api/upstream-keys/gemini/reset')).status, 200);
  t.deepEqual((await keyView(gw, 'gemini')).cooling_models, {});
  t.is((await ask(gw, 'gemini-2.5-pro')).choices[0]!.message.content, 'You said: hi');
  t.is(callsFor(fake, 'gemini-2.5-pro'), 2);
});

test('an OpenAI-compatible upstream: a key rate limited on one model rests for every model', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({
    CONFIG_FILE: writeConfigFile(`upstreams:\n  reseller:\n    type: openai-compatible\n    base_url: ${upstream.url}\n    api_keys: [sk-reseller-key-00000000000000000001]\n    models: [gpt-4o, gpt-4o-mini]\n`),
  }));
  fake.script = (request) =>
    request.body?.model === 'gpt-4o'
      ? { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '30' } }
      : undefined;
  const chatCalls = () => fake.requests.filter((request) => request.path === '/v1/chat/completions').length;

  t.is((await refused(t, gw, 'gpt-4o')).status, 429);
  t.is(chatCalls(), 1);
  const resting = await refused(t, gw, 'gpt-4o-mini');
  t.is(resting.status, 503);
  t.is(resting.code, 'upstream_keys_unavailable');
  t.is(chatCalls(), 1, 'the key was not sent for the other model either');
  const view = await keyView(gw, 'reseller');
  t.is(view.status, 'cooling');
  t.deepEqual(view.cooling_models, {});
});

test('config file Gemini upstreams: per model by default, for every model with cooldown_per_model: false', async (t) => {
  const perModelKey = 'AIzaSyPerModelCooldownKeyTwo000000002';
  const perKeyKey = 'AIzaSyPerModelCooldownKeyThree0000003';
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({
    CONFIG_FILE: writeConfigFile(
      [
        'upstreams:',
        `  free-a: { type: gemini, base_url: "${upstream.url}", api_keys: [${perModelKey}], models: { pro-a: gemini-2.5-pro, flash-a: gemini-2.5-flash } }`,
        `  free-b: { type: gemini, base_url: "${upstream.url}", api_keys: [${perKeyKey}], models: { pro-b: gemini-2.5-pro, flash-b: gemini-2.5-flash }, cooldown_per_model: false }`,
        '',
      ].join('\n'),
    ),
  }));
  fake.script = (request) => (request.model === 'gemini-2.5-pro' ? resourceExhausted : undefined);

  t.is((await refused(t, gw, 'pro-a')).status, 429);
  t.is((await ask(gw, 'flash-a')).choices[0]!.message.content, 'You said: hi');
  t.is(callsFor(fake, 'gemini-2.5-flash', perModelKey), 1);
  t.deepEqual(Object.keys((await keyView(gw, 'free-a')).cooling_models), ['gemini-2.5-pro'], 'the rest is kept under the upstream model name');

  t.is((await refused(t, gw, 'pro-b')).status, 429);
  t.is((await refused(t, gw, 'flash-b')).status, 503);
  t.is(callsFor(fake, 'gemini-2.5-flash', perKeyKey), 0, 'the key rests for every model');
  t.is((await keyView(gw, 'free-b')).status, 'cooling');
});
