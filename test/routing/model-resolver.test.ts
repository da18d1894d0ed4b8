import test from 'ava';
import { loadConfig } from '../../src/config/load.js';
import { GatewayError } from '../../src/core/errors.js';
import { createProviders, PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';
import { ModelResolver } from '../../src/routing/model-resolver.js';
import { UpstreamHttp } from '../../src/upstream/http-client.js';

function resolverFor(env: Record<string, string>) {
  const config = loadConfig(env, PROVIDER_DEFINITIONS);
  const fetchMedia = () => Promise.reject(new Error('no media in these tests'));
  const http = new UpstreamHttp(1000);
  return new ModelResolver(createProviders(config.providers, { http, createHttp: () => http, fetchMedia, config }));
}

const routeOf = (resolver: ModelResolver, model: string) => {
  const route = resolver.resolve(model);
  return [route.target.settings.id, route.upstreamModel];
};

const notFound = (resolver: ModelResolver, model: string) => {
  try {
    resolver.resolve(model);
  } catch (error) {
    if (error instanceof GatewayError) return error;
  }
  throw new Error(`${model} resolved`);
};

const everything = {
  OPENAI_API_KEY: 'k',
  DEEPSEEK_API_KEY: 'd',
  OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([
    { name: 'router', base_url: 'http://router', models: ['anthropic/*', 'gpt-4o-special', 'qwen-*'] },
    { name: 'local', base_url: 'http://local', models: ['llama3'] },
  ]),
};

test('explicit prefixes pick the provider and are removed', (t) => {
  const resolver = resolverFor(everything);
  t.deepEqual(routeOf(resolver, 'openai/gpt-4o'), ['openai', 'gpt-4o']);
  t.deepEqual(routeOf(resolver, 'OpenAI/gpt-4o'), ['openai', 'gpt-4o']);
  t.deepEqual(routeOf(resolver, 'deepseek/deepseek-chat'), ['deepseek', 'deepseek-chat']);
  t.deepEqual(routeOf(resolver, 'router/meta/llama-3'), ['router', 'meta/llama-3']);
  t.deepEqual(routeOf(resolver, 'openai/custom-fine-tune'), ['openai', 'custom-fine-tune']);
});

test('bare names route by family', (t) => {
  const resolver = resolverFor(everything);
  for (const model of ['gpt-4o', 'gpt-4.1-mini', 'chatgpt-4o-latest', 'o1', 'o1-mini', 'o3-mini', 'o4-mini', 'text-embedding-3-small']) {
    t.deepEqual(routeOf(resolver, model), ['openai', model]);
  }
  t.deepEqual(routeOf(resolver, 'deepseek-reasoner'), ['deepseek', 'deepseek-reasoner']);
});

test('models declared by an operator win over families; exact names before globs', (t) => {
  const resolver = resolverFor(everything);
  t.deepEqual(routeOf(resolver, 'gpt-4o-special'), ['router', 'gpt-4o-special']);
  t.deepEqual(routeOf(resolver, 'anthropic/claude-3-opus'), ['router', 'anthropic/claude-3-opus']);
  t.deepEqual(routeOf(resolver, 'qwen-max'), ['router', 'qwen-max']);
  t.deepEqual(routeOf(resolver, 'llama3'), ['local', 'llama3']);
});

test('unknown and unconfigured models are 404 model_not_found', (t) => {
  const resolver = resolverFor({ OPENAI_API_KEY: 'k' });
  for (const model of ['mystery', 'deepseek-chat', 'deepseek/deepseek-chat', 'nope/gpt-4o', 'openai/']) {
    const error = notFound(resolver, model);
    t.is(error.status, 404, model);
    t.is(error.code, 'model_not_found', model);
    t.is(error.param, 'model');
  }
  t.regex(notFound(resolver, 'deepseek-chat').message, /Provider "deepseek" is not configured/);
  t.regex(notFound(resolver, 'deepseek/deepseek-chat').message, /Provider "deepseek" is not configured/);
});

test('an unknown prefix falls back to the whole name', (t) => {
  const resolver = resolverFor({ OPENAI_API_KEY: 'k' });
  const error = notFound(resolver, 'meta-llama/Llama-3');
  t.regex(error.message, /`meta-llama\/Llama-3`/);
});
