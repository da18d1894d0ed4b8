import test, { type ExecutionContext } from 'ava';
import type OpenAI from 'openai';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { gatewayInFrontOf, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// What calls cost, end to end: the shipped list prices applied to each provider's usage, to the nano-dollar, the
// same in the `x-gateway-cost` header of a whole answer, the `usage.cost` of a stream and the request log.
// Expected amounts are worked out here from the list prices, part by part.

const ADMIN = 'sk-admin-for-cost-tests-0000000001';
const messages = [{ role: 'user' as const, content: 'Hi' }];

interface Costs {
  /** USD from `x-gateway-cost`; undefined when the header is absent. */
  whole: number | undefined;
  /** USD from the stream's usage chunk; undefined when it has no `cost`. */
  streamed: number | undefined;
}

async function costsOf(client: OpenAI, model: string): Promise<Costs> {
  const { response } = await client.chat.completions.create({ model, messages }).withResponse();
  const header = response.headers.get('x-gateway-cost');
  let usage: (OpenAI.CompletionUsage & { cost?: number }) | undefined;
  const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  return { whole: header === null ? undefined : Number(header), streamed: usage?.cost };
}

/** Micro-dollars as USD, rounded as the gateway writes it (nine decimals). */
const usd = (microDollars: number) => Number((microDollars / 1e6).toFixed(9));

async function loggedCosts(gw: RunningGateway, query: string, count: number): Promise<{ cost_usd: number | null; priced: boolean }[]> {
  let records: { cost_usd: number | null; priced: boolean }[] = [];
  await waitFor(async () => {
    records = (await adminApi(gw, ADMIN).get<{ data: typeof records }>(`/admin/api/logs?${query}`)).body.data;
    return records.length === count;
  }, `${count} log records for ${query}`);
  return records.map(({ cost_usd, priced }) => ({ cost_usd, priced }));
}

const openAIGateway = (t: ExecutionContext, env: (url: string) => Record<string, string>) =>
  gatewayInFrontOf(t, new FakeOpenAIUpstream(), (fake) => ({ AUTH_TOKEN: ADMIN, ...env(fake.url) }));

test('OpenAI gpt-4o: cached input at its own price, reasoning inside the completion priced once', async (t) => {
  const { fake, gw } = await openAIGateway(t, (url) => ({ OPENAI_API_KEY: 'sk-upstream-cost-00000000000000001', OPENAI_BASE_URL: url }));
  fake.usage = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  // $2.50 input, $1.25 cached input, $10 output (reasoning included) per million.
  const expected = usd(86 * 2.5 + 1920 * 1.25 + 300 * 10);
  t.deepEqual(await costsOf(gw.client(), 'gpt-4o'), { whole: expected, streamed: expected });
  t.deepEqual(await loggedCosts(gw, 'provider=openai', 2), [
    { cost_usd: expected, priced: true },
    { cost_usd: expected, priced: true },
  ]);
});

test('DeepSeek: cache hits (prompt_cache_hit_tokens) at the hit price, the misses at the input price', async (t) => {
  const { fake, gw } = await openAIGateway(t, (url) => ({ DEEPSEEK_API_KEY: 'sk-deepseek-cost-000000000000001', DEEPSEEK_BASE_URL: url }));
  fake.usage = {
    prompt_tokens: 1200,
    completion_tokens: 80,
    total_tokens: 1280,
    prompt_cache_hit_tokens: 1024,
    prompt_cache_miss_tokens: 176,
    completion_tokens_details: { reasoning_tokens: 50 },
  };
  // $0.56 a cache miss, $0.07 a hit, $1.68 output per million.
  const expected = usd(176 * 0.56 + 1024 * 0.07 + 80 * 1.68);
  t.deepEqual(await costsOf(gw.client(), 'deepseek-reasoner'), { whole: expected, streamed: expected });
});

test('DashScope qwen-plus: its CNY list price converted at CNY_PER_USD', async (t) => {
  const { fake, gw } = await openAIGateway(t, (url) => ({ DASHSCOPE_API_KEY: 'sk-dashscope-cost-0000000000001', DASHSCOPE_BASE_URL: url, CNY_PER_USD: '8' }));
  fake.usage = { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 };
  // 0.8 yuan input and 2 yuan output per million tokens, at 8 yuan a dollar.
  const expected = usd((1200 * 0.8 + 300 * 2) / 8);
  t.is(expected, 0.000195);
  t.deepEqual(await costsOf(gw.client(), 'qwen-plus'), { whole: expected, streamed: expected });
});

test('Anthropic: cache reads, 5-minute and 1-hour writes and web searches, each at its price', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeAnthropicUpstream(), (upstream) => ({
    ANTHROPIC_API_KEY: 'sk-ant-api03-cost-test-key-0000001',
    ANTHROPIC_BASE_URL: upstream.url,
    AUTH_TOKEN: ADMIN,
  }));
  fake.script = () => ({
    kind: 'reply',
    text: 'From the cache.',
    usage: {
      input_tokens: 40,
      output_tokens: 25,
      cache_read_input_tokens: 10000,
      cache_creation_input_tokens: 3000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      server_tool_use: { web_search_requests: 2, web_fetch_requests: 0 },
    },
  });
  // Sonnet 4.5: $3 input, $0.30 cache read, $3.75 5-minute write, $6 1-hour write, $15 output per million; $0.01 a search.
  const expected = usd(40 * 3 + 10000 * 0.3 + 1000 * 3.75 + 2000 * 6 + 25 * 15 + 2 * 10_000);
  t.deepEqual(await costsOf(gw.client(), 'claude-sonnet-4-5'), { whole: expected, streamed: expected });
});

/** A Gemini answer with this usage, whole and as one streamed chunk. */
function geminiAnswer(usageMetadata: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const body = {
    candidates: [{ content: { role: 'model', parts: [{ text: 'Done.' }] }, index: 0, finishReason: 'STOP', ...extra }],
    usageMetadata,
    modelVersion: 'gemini-2.5',
    responseId: 'cost-test',
  };
  return { kind: 'response' as const, body, chunks: [body] };
}

test('Gemini: cached tokens and thoughts (outside candidatesTokenCount) priced, a grounded prompt billed once; above 200k prompt tokens the higher tier', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({
    API_KEYS: JSON.stringify(['AIzaSyCostTestKey0000000000000000001']),
    BASE_URL: upstream.url,
    AUTH_TOKEN: ADMIN,
  }));
  const grounding = { groundingMetadata: { webSearchQueries: ['q'], groundingChunks: [{ web: { uri: 'https://example.com/', title: 'example.com' } }] } };
  fake.script = () =>
    geminiAnswer({ promptTokenCount: 1200, cachedContentTokenCount: 1000, candidatesTokenCount: 30, thoughtsTokenCount: 250, totalTokenCount: 1480 }, grounding);
  // 2.5 Flash: $0.30 input, $0.03 cached, $2.50 output (thoughts included) per million; $0.035 a grounded prompt.
  const flash = usd(200 * 0.3 + 1000 * 0.03 + 280 * 2.5 + 35_000);
  t.deepEqual(await costsOf(gw.client(), 'gemini-2.5-flash'), { whole: flash, streamed: flash });

  // 2.5 Pro: $1.25 input and $10 output up to 200k prompt tokens; $2.50 and $15 for the whole call above.
  fake.script = () => geminiAnswer({ promptTokenCount: 150_000, candidatesTokenCount: 1000, totalTokenCount: 151_000 });
  const short = usd(150_000 * 1.25 + 1000 * 10);
  t.deepEqual(await costsOf(gw.client(), 'gemini-2.5-pro'), { whole: short, streamed: short });
  fake.script = () => geminiAnswer({ promptTokenCount: 250_000, candidatesTokenCount: 1000, totalTokenCount: 251_000 });
  const long = usd(250_000 * 2.5 + 1000 * 15);
  t.deepEqual(await costsOf(gw.client(), 'gemini-2.5-pro'), { whole: long, streamed: long });
});

test('an unpriced model is never free: no cost header, no usage.cost, the log and the stats flag it; a dollar budget refuses it', async (t) => {
  const upstream = await new FakeOpenAIUpstream().start();
  const file = writeConfigFile(
    `upstreams:\n  house: { type: openai-compatible, base_url: "${upstream.url}", api_keys: [sk-house-upstream-key-0000001], models: { mystery-model: mystery-model, priced-model: priced-model } }\n` +
      `prices:\n  house/priced-model: { input: 1, output: 2 }\n`,
  );
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, CONFIG_FILE: file });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  upstream.usage = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 };
  const admin = adminApi(gw, ADMIN);
  const { key } = await admin.createKey({ name: 'metered' });
  t.deepEqual(await costsOf(gw.client(key), 'house/mystery-model'), { whole: undefined, streamed: undefined });
  const priced = usd(100 * 1 + 50 * 2);
  t.deepEqual(await costsOf(gw.client(key), 'house/priced-model'), { whole: priced, streamed: priced });

  t.deepEqual(await loggedCosts(gw, 'model=house/mystery-model', 2), [
    { cost_usd: null, priced: false },
    { cost_usd: null, priced: false },
  ]);
  type Row = { cost_usd: number; unpriced_requests: number; requests: number };
  let hour: { by_model: (Row & { model: string })[]; by_client_key: (Row & { name: string })[] } | undefined;
  await waitFor(async () => {
    hour = (await admin.get<{ last_hour: NonNullable<typeof hour> }>('/admin/api/stats')).body.last_hour;
    return hour.by_client_key[0]?.requests === 4;
  }, 'four calls in the stats');
  const byModel = Object.fromEntries(hour!.by_model.map((row) => [row.model, row]));
  t.like(byModel['house/mystery-model'], { cost_usd: 0, unpriced_requests: 2 });
  t.like(byModel['house/priced-model'], { cost_usd: 2 * priced, unpriced_requests: 0 });
  t.like(hour!.by_client_key[0], { name: 'metered', cost_usd: 2 * priced, unpriced_requests: 2 });

  const budgeted = await admin.createKey({ name: 'budgeted', budgets: { usd_per_day: 5 } });
  const refusal = await gw
    .client(budgeted.key)
    .chat.completions.create({ model: 'house/mystery-model', messages })
    .catch((error: InstanceType<typeof import('openai').default.APIError>) => error);
  t.like(refusal, { status: 403, code: 'model_not_priced' });
  t.regex((refusal as Error).message, /has no price on upstream `house`/);
  t.truthy(await gw.client(budgeted.key).chat.completions.create({ model: 'house/priced-model', messages }));
  t.is(upstream.requests.filter((request) => request.body?.model === 'mystery-model').length, 2, 'the refused call never went upstream');

  // A price added online applies to the next call.
  const current = await admin.get<{ document: Record<string, unknown> }>('/admin/api/config');
  const document = { ...current.body.document, prices: { 'house/priced-model': { input: 1, output: 2 }, 'house/mystery-model': { input: 10, output: 10 } } };
  const put = await admin.call('PUT', '/admin/api/config', document);
  t.is(put.status, 428, 'an online edit needs If-Match');
  const edited = await fetch(`${gw.url}/admin/api/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'if-match': current.headers.get('etag')! },
    body: JSON.stringify(document),
  });
  t.is(edited.status, 200);
  t.deepEqual(await costsOf(gw.client(key), 'house/mystery-model'), { whole: usd(150 * 10), streamed: usd(150 * 10) });
});

test('lowest-cost sends each call to the target cheapest for its size: long prompts where input is cheap, long answers where output is', async (t) => {
  const [inputCheap, outputCheap] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  const file = writeConfigFile(
    `upstreams:\n` +
      `  input-cheap: { type: openai-compatible, base_url: "${inputCheap.url}", api_keys: [sk-input-cheap-key-000000001] }\n` +
      `  output-cheap: { type: openai-compatible, base_url: "${outputCheap.url}", api_keys: [sk-output-cheap-key-00000001] }\n` +
      `routes:\n  smart: { strategy: lowest-cost, targets: [{ upstream: output-cheap, model: m }, { upstream: input-cheap, model: m }] }\n` +
      `prices:\n  input-cheap/m: { input: 1, output: 10 }\n  output-cheap/m: { input: 4, output: 2 }\n`,
  );
  const gw = await startGateway({ AUTH_TOKEN: ADMIN, CONFIG_FILE: file, MAX_RETRIES: '1' });
  t.teardown(async () => {
    await gw.close();
    await Promise.all([inputCheap.stop(), outputCheap.stop()]);
  });
  const longPrompt = 'lorem ipsum dolor sit amet '.repeat(400);
  const served = async (content: string, maxTokens: number) => {
    const { response } = await gw.client().chat.completions.create({ model: 'smart', max_tokens: maxTokens, messages: [{ role: 'user', content }] }).withResponse();
    return response.headers.get('x-gateway-upstream');
  };
  for (let call = 0; call < 5; call++) {
    t.is(await served(longPrompt, 10), 'input-cheap');
    t.is(await served('Write an essay.', 4000), 'output-cheap');
  }
  t.is(inputCheap.requests.length, 5);
  t.is(outputCheap.requests.length, 5);

  // The cheapest target failing, the call goes on to the next cheapest.
  inputCheap.script = () => ({ kind: 'error', status: 500, body: { error: { message: 'boom', type: 'server_error', param: null, code: null } } });
  t.is(await served(longPrompt, 10), 'output-cheap');
});
