import test, { type ExecutionContext } from 'ava';
import { GoogleGenAI } from '@google/genai';
import type OpenAI from 'openai';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { type GeminiFakeBehaviour, FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { FakeOllamaUpstream } from '../fakes/ollama-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { CLIENT_TOKEN, gatewayInFrontOf, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

// Every provider family's usage, as the client reads it and as the request log records its priced parts.

const ADMIN = 'sk-admin-for-usage-tests-000000001';

type LoggedUsage = Record<string, number | boolean>;

/** The usage of the last `count` calls the request log holds for `provider`, newest first. */
async function loggedUsage(gw: RunningGateway, provider: string, count: number): Promise<LoggedUsage[]> {
  const admin = adminApi(gw, ADMIN);
  let records: { usage: LoggedUsage }[] = [];
  await waitFor(async () => {
    records = (await admin.get<{ data: { usage: LoggedUsage }[] }>(`/admin/api/logs?provider=${provider}`)).body.data;
    return records.length === count;
  }, `${count} log records for ${provider}`);
  return records.map((record) => record.usage);
}

const logged = (usage: Partial<LoggedUsage>): LoggedUsage => ({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  reasoning_tokens: 0,
  cached_tokens: 0,
  cache_write_tokens: 0,
  cache_write_long_tokens: 0,
  searches: 0,
  estimated: false,
  ...usage,
});

/** The usage chunk of a stream the client asked usage for, without the gateway's `cost` (see cost.test.ts). */
async function streamedUsage(client: OpenAI, model: string): Promise<OpenAI.CompletionUsage | undefined> {
  let usage: (OpenAI.CompletionUsage & { cost?: number }) | undefined;
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  if (usage === undefined) return undefined;
  const { cost: _cost, ...reported } = usage;
  return reported;
}

const answered = async (client: OpenAI, model: string) => (await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] })).usage;

const openAISetUp = (t: ExecutionContext, env: (url: string) => Record<string, string>) =>
  gatewayInFrontOf(t, new FakeOpenAIUpstream(), (fake) => ({ AUTH_TOKEN: ADMIN, ...env(fake.url) }));

test('OpenAI: cached and reasoning tokens reach the client as sent, and the log records them', async (t) => {
  const { fake, gw } = await openAISetUp(t, (url) => ({ OPENAI_API_KEY: 'sk-upstream-usage-0000000000000001', OPENAI_BASE_URL: url }));
  fake.usage = {
    prompt_tokens: 2006,
    completion_tokens: 300,
    total_tokens: 2306,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  t.deepEqual(await answered(gw.client(), 'gpt-4o'), fake.usage as unknown as OpenAI.CompletionUsage);
  t.deepEqual(await streamedUsage(gw.client(), 'gpt-4o'), fake.usage as unknown as OpenAI.CompletionUsage);
  const expected = logged({ prompt_tokens: 2006, completion_tokens: 300, total_tokens: 2306, cached_tokens: 1920, reasoning_tokens: 192 });
  t.deepEqual(await loggedUsage(gw, 'openai', 2), [expected, expected]);
});

test('DeepSeek: recorded cache hits and reasoning are metered; its bytes reach the client untouched, older shape included', async (t) => {
  const { fake, gw } = await openAISetUp(t, (url) => ({ DEEPSEEK_API_KEY: 'sk-deepseek-usage-00000000000001', DEEPSEEK_BASE_URL: url }));
  fake.script = () => ({ kind: 'fixture', name: 'deepseek/deepseek-tool-call' });
  const whole = await answered(gw.client(), 'deepseek-reasoner');
  t.is(whole?.prompt_tokens_details?.cached_tokens, 320);
  const streamed = await streamedUsage(gw.client(), 'deepseek-reasoner');
  t.is(streamed?.prompt_tokens_details?.cached_tokens, 320);
  t.is(streamed?.completion_tokens_details?.reasoning_tokens, 39);

  // DeepSeek answers that predate prompt_tokens_details pass through as they are; the meter reads DeepSeek's own fields.
  fake.script = () => ({ kind: 'reply', text: 'Old shape.' });
  fake.usage = { prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280, prompt_cache_hit_tokens: 1024, prompt_cache_miss_tokens: 176 };
  t.deepEqual(await answered(gw.client(), 'deepseek-chat'), fake.usage as unknown as OpenAI.CompletionUsage);

  t.deepEqual(await loggedUsage(gw, 'deepseek', 3), [
    logged({ prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280, cached_tokens: 1024 }),
    logged({ prompt_tokens: 339, completion_tokens: 83, total_tokens: 422, cached_tokens: 320, reasoning_tokens: 39 }),
    logged({ prompt_tokens: 339, completion_tokens: 92, total_tokens: 431, cached_tokens: 320, reasoning_tokens: 48 }),
  ]);
});

test('Anthropic: cache reads, 5-minute and 1-hour writes and web searches, whole and streamed, for the client and the log', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeAnthropicUpstream(), (upstream) => ({
    ANTHROPIC_API_KEY: 'sk-ant-api03-usage-test-key-000001',
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
  const shown = {
    prompt_tokens: 13040,
    completion_tokens: 25,
    total_tokens: 13065,
    prompt_tokens_details: { cached_tokens: 10000, audio_tokens: 0 },
    cache_creation_input_tokens: 3000,
    cache_read_input_tokens: 10000,
  };
  t.deepEqual(await answered(gw.client(), 'claude-sonnet-4-5'), shown as unknown as OpenAI.CompletionUsage);
  t.deepEqual(await streamedUsage(gw.client(), 'claude-sonnet-4-5'), shown as unknown as OpenAI.CompletionUsage);
  const expected = logged({
    prompt_tokens: 13040,
    completion_tokens: 25,
    total_tokens: 13065,
    cached_tokens: 10000,
    cache_write_tokens: 1000,
    cache_write_long_tokens: 2000,
    searches: 2,
  });
  t.deepEqual(await loggedUsage(gw, 'anthropic', 2), [expected, expected]);
});

/** A grounded Gemini 2.5 answer with a cached prompt part and thoughts, given whole and in two streamed chunks. */
function groundedGeminiAnswer(): GeminiFakeBehaviour {
  const usageMetadata = { promptTokenCount: 1200, cachedContentTokenCount: 1000, candidatesTokenCount: 30, thoughtsTokenCount: 250, totalTokenCount: 1480 };
  const groundingMetadata = { webSearchQueries: ['euro 2024 winner'], groundingChunks: [{ web: { uri: 'https://www.uefa.com/euro2024/', title: 'uefa.com' } }] };
  const candidate = (text: string, last: boolean) => ({
    content: { role: 'model', parts: [{ text }] },
    index: 0,
    ...(last ? { finishReason: 'STOP', groundingMetadata } : {}),
  });
  const envelope = { modelVersion: 'gemini-2.5-flash', responseId: 'grounded-usage' };
  return {
    kind: 'response',
    body: { candidates: [candidate('Spain won Euro 2024.', true)], usageMetadata, ...envelope },
    chunks: [
      { candidates: [candidate('Spain won ', false)], usageMetadata: { ...usageMetadata, candidatesTokenCount: 3, totalTokenCount: 1453 }, ...envelope },
      { candidates: [candidate('Euro 2024.', true)], usageMetadata, ...envelope },
    ],
  };
}

test('Gemini: cached tokens, thoughts and a grounded prompt, through the OpenAI route and the native API alike', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({
    API_KEYS: JSON.stringify(['AIzaSyUsageTestKey000000000000000001']),
    BASE_URL: upstream.url,
    AUTH_TOKEN: ADMIN,
  }));
  fake.script = () => groundedGeminiAnswer();
  const shown = {
    prompt_tokens: 1200,
    completion_tokens: 280,
    total_tokens: 1480,
    prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 250, audio_tokens: 0 },
  };
  t.deepEqual(await answered(gw.client(), 'gemini-2.5-flash'), shown as unknown as OpenAI.CompletionUsage);
  t.deepEqual(await streamedUsage(gw.client(), 'gemini-2.5-flash'), shown as unknown as OpenAI.CompletionUsage);

  const ai = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: gw.url } });
  t.is((await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Who won?' })).usageMetadata?.cachedContentTokenCount, 1000);
  for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Who won?' })) void chunk;

  const expected = logged({ prompt_tokens: 1200, completion_tokens: 280, total_tokens: 1480, cached_tokens: 1000, reasoning_tokens: 250, searches: 1 });
  t.deepEqual(await loggedUsage(gw, 'gemini', 4), [expected, expected, expected, expected]);
});

test('Ollama: its evaluated prompt and generated counts, whole and streamed, with no parts it cannot vouch for', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOllamaUpstream(), (upstream) => ({ OLLAMA_BASE_URL: upstream.url, AUTH_TOKEN: ADMIN }));
  fake.script = () => ({ kind: 'reply', text: 'one two three', promptEvalCount: 9 });
  const whole = await answered(gw.client(), 'ollama/llama3.1:8b');
  const streamed = await streamedUsage(gw.client(), 'ollama/llama3.1:8b');
  t.deepEqual(streamed, whole);
  t.is(whole?.prompt_tokens, 9);
  t.true((whole?.completion_tokens ?? 0) > 0);
  const expected = logged({ prompt_tokens: 9, completion_tokens: whole!.completion_tokens, total_tokens: whole!.total_tokens });
  t.deepEqual(await loggedUsage(gw, 'ollama', 2), [expected, expected]);
});
