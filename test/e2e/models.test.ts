import test from 'ava';
import OpenAI from 'openai';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

let openai: FakeOpenAIUpstream;
let deepseek: FakeOpenAIUpstream;
let proxy: FakeOpenAIUpstream;
let gw: RunningGateway;

test.before(async () => {
  openai = await new FakeOpenAIUpstream().start();
  deepseek = await new FakeOpenAIUpstream().start();
  deepseek.models = ['deepseek-chat', 'deepseek-reasoner'];
  proxy = await new FakeOpenAIUpstream().start();
  proxy.models = ['Qwen/Qwen2.5-7B-Instruct', 'meta-llama/Llama-3.3-70B', 'gpt-4o'];
  gw = await startGateway({
    OPENAI_API_KEY: 'sk-openai-models-000000001',
    OPENAI_BASE_URL: openai.url,
    DEEPSEEK_API_KEY: 'sk-deepseek-models-0000001',
    DEEPSEEK_API_URL: deepseek.url,
    OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([{ name: 'silicon', base_url: proxy.url, api_keys: ['sk-silicon-00000000001'], models: ['Qwen/*'] }]),
  });
});

test.after.always(async () => {
  await gw?.close();
  await Promise.all([openai?.stop(), deepseek?.stop(), proxy?.stop()]);
});

test.serial('the model list has OpenAI shape and names every configured provider', async (t) => {
  const page = await gw.client().models.list();
  const models = page.data;
  const ids = models.map((model) => model.id);
  t.deepEqual(ids, ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'openai/davinci-002', 'deepseek-chat', 'deepseek-reasoner', 'Qwen/Qwen2.5-7B-Instruct']);
  for (const model of models) {
    t.is(model.object, 'model');
    t.is(typeof model.created, 'number');
  }
  t.deepEqual(
    models.map((model) => model.owned_by),
    ['openai', 'openai', 'openai', 'openai', 'deepseek', 'deepseek', 'silicon'],
  );
});

test.serial('every listed id is usable as a model, and reaches its own provider', async (t) => {
  const page = await gw.client().models.list();
  for (const model of page.data) {
    const upstream = model.owned_by === 'openai' ? openai : model.owned_by === 'deepseek' ? deepseek : proxy;
    const before = upstream.requests.length;
    await gw.client().chat.completions.create({ model: model.id, messages: [{ role: 'user', content: 'ping' }] });
    t.is(upstream.requests.length, before + 1, model.id);
    t.is(upstream.last.body?.model, model.id.replace(/^(openai|deepseek|silicon)\//, ''));
  }
});

test.serial('the list is cached: fetched from each upstream once, then served from the cache', async (t) => {
  // A gateway of its own, so that what the other tests listed does not count.
  const fresh = await startGateway({ OPENAI_API_KEY: 'sk-openai-models-000000001', OPENAI_BASE_URL: openai.url });
  t.teardown(() => fresh.close());
  const fetches = () => openai.requests.filter((request) => request.path === '/v1/models').length;
  const before = fetches();
  const first = await fresh.client().models.list();
  t.is(fetches(), before + 1);
  const again = await fresh.client().models.list();
  await fresh.client().models.list();
  t.is(fetches(), before + 1);
  t.deepEqual(again.data, first.data);
});

test.serial('a single model can be retrieved, slashes included', async (t) => {
  const model = await gw.client().models.retrieve('openai/davinci-002');
  t.is(model.id, 'openai/davinci-002');
  t.is(model.owned_by, 'openai');
  const error = await t.throwsAsync(gw.client().models.retrieve('no-such-model'));
  t.true(error instanceof OpenAI.NotFoundError);
});

test.serial('a provider whose list cannot be fetched falls back to its known models', async (t) => {
  const offline = await startGateway({ DEEPSEEK_API_KEY: 'sk-deepseek-offline-0001', DEEPSEEK_API_URL: 'http://127.0.0.1:9' });
  try {
    const page = await offline.client().models.list();
    t.deepEqual(
      page.data.map((model) => model.id),
      ['deepseek-chat', 'deepseek-reasoner'],
    );
    t.true(offline.logs.some((line) => line.msg === 'could not fetch the upstream model list'));
  } finally {
    await offline.close();
  }
});
