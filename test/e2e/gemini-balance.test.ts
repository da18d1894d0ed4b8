import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import OpenAI from 'openai';
import { applyDotenvFile, loadConfig } from '../../src/config/load.js';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { CLIENT_TOKEN, gatewayInFrontOf, startGateway } from '../helpers/gateway.js';

// A gemini-balance `.env` works as it did there: its model variants, its prefixes, and a word about what is not read.

const KEY = 'AIzaSyGeminiBalanceMigrationKey000000001';

const balanceEnv = (fake: FakeGeminiUpstream) => ({
  API_KEYS: JSON.stringify([KEY]),
  BASE_URL: fake.url,
  SEARCH_MODELS: '["gemma-3-27b-it","gemini-2.5-flash"]',
  IMAGE_MODELS: '["gemini-2.0-flash"]',
  THINKING_MODELS: '["gemma-3-27b-it"]',
  FILTERED_MODELS: '["gemini-2.5-pro","embedding-001"]',
});

test('a gemini-balance .env: one start-up warning names what is not read and what to use instead, and nothing it reads', async (t) => {
  const directory = mkdtempSync(path.join(tmpdir(), 'gbalance-'));
  const file = path.join(directory, '.env');
  writeFileSync(
    file,
    [
      'DATABASE_TYPE=mysql',
      'MYSQL_HOST=gemini-balance-mysql',
      'MYSQL_PASSWORD=change_me',
      `API_KEYS=["${KEY}"]`,
      `ALLOWED_TOKENS=["${CLIENT_TOKEN}"]`,
      'SEARCH_MODELS=["gemini-2.0-flash-exp"]',
      'ADMIN_SESSION_EXPIRE=3600',
      'FAKE_STREAM_ENABLED=true',
      'TTS_VOICE_NAME=Puck',
      '',
    ].join('\n'),
  );
  const env: Record<string, string> = {};
  applyDotenvFile(file, env as NodeJS.ProcessEnv, true);
  const gw = await startGateway(env);
  t.teardown(() => gw.close());
  const warnings = gw.logs.filter((line) => line.level === 'warn' && String(line.msg).startsWith('gemini-balance settings'));
  t.is(warnings.length, 1, 'one warning');
  const message = String(warnings[0]!.msg);
  t.regex(message, /DATABASE_TYPE, MYSQL_HOST, MYSQL_PASSWORD \(state is kept in Redis \(REDIS_URL\) or memory\)/);
  t.regex(message, /ADMIN_SESSION_EXPIRE \(use CONSOLE_SESSION_HOURS\)/);
  t.notRegex(message, /SEARCH_MODELS|TTS_VOICE_NAME|API_KEYS|FAKE_STREAM_ENABLED/);
  t.false(message.includes('change_me'), 'values are never logged');

  const plain = await startGateway({ API_KEYS: JSON.stringify([KEY]) });
  t.teardown(() => plain.close());
  t.false(plain.logs.some((line) => String(line.msg).startsWith('gemini-balance settings')), 'no warning without such settings');
});

test('log retention and speech defaults under gemini-balance’s names', (t) => {
  const load = (env: Record<string, string>) => loadConfig(env, PROVIDER_DEFINITIONS);
  const day = 86_400_000;
  const defaults = load({});
  t.is(defaults.usage.logRetentionMs, 30 * day);
  t.is(defaults.usage.errorLogRetentionMs, 30 * day);
  t.deepEqual(defaults.tts, { model: 'gemini-2.5-flash-preview-tts', voice: 'Zephyr', speed: 'normal' });
  const balance = load({ AUTO_DELETE_ERROR_LOGS_DAYS: '7', AUTO_DELETE_REQUEST_LOGS_ENABLED: 'true', AUTO_DELETE_REQUEST_LOGS_DAYS: '1', TTS_MODEL: 'gemini-2.5-pro-preview-tts', TTS_VOICE_NAME: 'Puck', TTS_SPEED: 'fast' });
  t.is(balance.usage.errorLogRetentionMs, 7 * day);
  t.is(balance.usage.logRetentionMs, 1 * day);
  t.deepEqual(balance.tts, { model: 'gemini-2.5-pro-preview-tts', voice: 'Puck', speed: 'fast' });
  t.is(load({ AUTO_DELETE_ERROR_LOGS_ENABLED: 'false', AUTO_DELETE_ERROR_LOGS_DAYS: '7', LOG_RETENTION_DAYS: '90' }).usage.errorLogRetentionMs, 90 * day);
  t.throws(() => load({ TTS_SPEED: 'ludicrous' }), { message: /TTS_SPEED: expected slow, normal or fast/ });
});

test('SEARCH_MODELS, IMAGE_MODELS, THINKING_MODELS list variants and FILTERED_MODELS hides, on /v1 and /hf/v1 alike', async (t) => {
  const { gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), balanceEnv);
  for (const prefix of ['/v1', '/hf/v1']) {
    const client = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${gw.url}${prefix}`, maxRetries: 0 });
    const ids = (await client.models.list()).data.map((model) => model.id);
    for (const id of ['gemma-3-27b-it-search', 'gemma-3-27b-it-non-thinking', 'gemini-2.0-flash-image', 'gemini-2.5-flash-search', 'gemini-2.5-flash-non-thinking']) t.true(ids.includes(id), `${prefix} lists ${id}`);
    t.false(ids.some((id) => id.startsWith('gemini-2.5-pro')), `${prefix} hides the filtered model`);
    t.false(ids.includes('embedding-001'));
  }
});

test('a -search call carries googleSearch, the plain model does not; -non-thinking carries thinkingBudget 0; -image asks the base model for images; /hf/v1 serves chat and embeddings', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), balanceEnv);
  const hf = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${gw.url}/hf/v1`, maxRetries: 0 });
  const ask = (model: string) => hf.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });

  await ask('gemini-2.5-flash-search');
  t.is(fake.last.model, 'gemini-2.5-flash');
  t.deepEqual(fake.last.body?.tools, [{ googleSearch: {} }]);
  await ask('gemini-2.5-flash');
  t.is(fake.last.body?.tools, undefined, 'a model in SEARCH_MODELS gets search only as its -search variant');

  await ask('gemini-2.5-flash-non-thinking');
  t.is(fake.last.model, 'gemini-2.5-flash');
  t.is((fake.last.body?.generationConfig as { thinkingConfig?: { thinkingBudget?: number } }).thinkingConfig?.thinkingBudget, 0);

  await ask('gemini-2.0-flash-image');
  t.is(fake.last.model, 'gemini-2.0-flash');
  t.deepEqual((fake.last.body?.generationConfig as { responseModalities?: string[] }).responseModalities, ['TEXT', 'IMAGE']);

  const embedded = await hf.embeddings.create({ model: 'text-embedding-004', input: 'hi' });
  t.true(embedded.data[0]!.embedding.length > 0);
});

test('FAKE_STREAM_ENABLED: a stream request calls generateContent, keep-alive comments go out while it runs, then the answer reaches the openai SDK as chunks', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({
    ...balanceEnv(upstream),
    FAKE_STREAM_ENABLED: 'true',
    FAKE_STREAM_EMPTY_DATA_INTERVAL_SECONDS: '0.02',
  }));
  fake.script = (request) => (request.action === 'generateContent' ? { kind: 'text', text: 'a slow but complete answer', headerDelayMs: 400 } : undefined);
  const raw = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await raw.text();
  t.true(text.startsWith(': keep-alive\n\n'), 'keep-alives first');
  t.true(text.trimEnd().endsWith('data: [DONE]'));
  t.is(fake.last.action, 'generateContent', 'the upstream was called without streaming');

  const stream = await gw.client().chat.completions.create({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let content = '';
  let finish: string | null = null;
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  t.is(content, 'a slow but complete answer');
  t.is(finish, 'stop');
});

test('STREAM_OPTIMIZER_ENABLED: a long text chunk reaches the client as several smaller ones', async (t) => {
  const long = 'The optimizer splits this sentence, which is well over fifty characters long, into pieces.';
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({
    ...balanceEnv(upstream),
    STREAM_OPTIMIZER_ENABLED: 'true',
    STREAM_MIN_DELAY: '0',
    STREAM_MAX_DELAY: '0',
    STREAM_CHUNK_SIZE: '10',
  }));
  fake.script = () => ({ kind: 'text', text: long, pieces: 1 });
  const stream = await gw.client().chat.completions.create({ model: 'gemini-2.5-flash', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const deltas: string[] = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
  t.is(deltas.join(''), long);
  t.is(deltas.length, Math.ceil(long.length / 10));
  t.true(deltas.every((delta) => delta.length <= 10));
});

test('PAID_KEY: image generation goes out with the paid key, every time; chat keeps rotating the free keys and never uses it', async (t) => {
  const PAID = 'AIzaSyGeminiBalancePaidKey00000000000001';
  const FREE = 'AIzaSyGeminiBalanceFreeKey00000000000002';
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({ ...balanceEnv(upstream), API_KEYS: JSON.stringify([KEY, FREE]), PAID_KEY: PAID }));
  const client = gw.client();
  for (let round = 0; round < 2; round += 1) {
    await client.images.generate({ model: 'imagen-4.0-generate-001', prompt: 'a lighthouse', n: 1 });
    await client.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] });
  }
  const keysOf = (action: string) => fake.requests.filter((request) => request.action === action).map((request) => request.apiKey);
  t.deepEqual(keysOf('predict'), [PAID, PAID]);
  t.deepEqual(new Set(keysOf('generateContent')), new Set([KEY, FREE]), 'chat rotates the free keys');
  const warnings = gw.logs.filter((line) => String(line.msg).startsWith('gemini-balance settings'));
  t.false(warnings.some((line) => String(line.msg).includes('PAID_KEY')), 'PAID_KEY is read, not warned about');
});

test('URL_NORMALIZATION_ENABLED: a Gemini call on an odd path reaches generateContent; without it the path is a 404', async (t) => {
  const call = (baseURL: string) =>
    fetch(`${baseURL.replace(/\/v1$/, '')}/api/v1/v1beta/models/gemini-2.5-flash:generatecontent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': CLIENT_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({ ...balanceEnv(upstream), URL_NORMALIZATION_ENABLED: 'true' }));
  const response = await call(gw.baseURL);
  t.is(response.status, 200);
  t.is(fake.last.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  t.false(gw.logs.some((line) => String(line.msg).includes('URL_NORMALIZATION_ENABLED')), 'read, not warned about');
  const { gw: plain } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), balanceEnv);
  t.is((await call(plain.baseURL)).status, 404);
});
