import test from 'ava';
import { readFileSync } from 'node:fs';
import { stripJsonLineComments } from '../../../src/config/file/source-lines.js';
import { formatConfigError } from '../../../src/config/file/index.js';
import { configOf, errorsOf, parseConfig } from './parse-helpers.js';

// The README's example, with its `//` comments (see test/fixtures/openai-style-api/SOURCE.md).
const README_EXAMPLE = readFileSync(new URL('../../../../test/fixtures/openai-style-api/readme-example.json', import.meta.url), 'utf8');
const UNCONVERTIBLE = new Set(['claude-web', 'bing-sydney']);

test('the README example is read as it is; its two web-scraping entries are left out with a warning naming entry and type', (t) => {
  const types = 'openai, proxy, azure, claude, zhipu-api, xunfei-spark-api, gemini, qwen, router, model-name-router';
  const parsed = parseConfig(README_EXAMPLE);
  if (!parsed.ok) return t.fail(parsed.errors.map((error) => `${error.path}: ${error.message}`).join('\n'));
  t.deepEqual(parsed.warnings.map(formatConfigError), [
    `[3].type: openai-style-api type "claude-web" has no provider in this gateway (converted types: ${types}); the entry and its token are left out, line 33`,
    `[9].type: openai-style-api type "bing-sydney" has no provider in this gateway (converted types: ${types}); the entry and its token are left out, line 99`,
  ]);
  const withoutThem = (JSON.parse(stripJsonLineComments(README_EXAMPLE)) as { type: string }[]).filter((entry) => !UNCONVERTIBLE.has(entry.type));
  const converted = parseConfig(JSON.stringify(withoutThem, null, 2));
  t.true(converted.ok);
  if (!converted.ok) return;
  // The same upstreams, targets and tokens as the file without those entries (names follow entry positions).
  const shape = (config: typeof converted.config) => ({
    upstreams: Object.values(config.upstreams).map((upstream) => `${upstream.type} ${upstream.base_url} ${upstream.api_keys.join()}`).sort(),
    targets: Object.values(config.routes).map((route) => route.targets.map((target) => target.model).join()).sort(),
    tokens: config.tokens.map((token) => token.token).sort(),
  });
  t.deepEqual(shape(parsed.config), shape(converted.config));
  t.is(Object.keys(parsed.config.upstreams).length, 8);
});

test('the README example without those two converts to upstreams, routes and tokens', (t) => {
  const entries = (JSON.parse(stripJsonLineComments(README_EXAMPLE)) as { type: string }[]).filter((entry) => !UNCONVERTIBLE.has(entry.type));
  const parsed = parseConfig(JSON.stringify(entries, null, 2));
  if (!parsed.ok) return t.fail(parsed.errors.map((error) => `${error.path}: ${error.message}`).join('\n'));
  t.is(parsed.format, 'openai-style-api');
  const { upstreams, routes, tokens } = parsed.config;

  t.deepEqual(
    Object.fromEntries(Object.entries(upstreams).map(([name, upstream]) => [name, { type: upstream.type, base_url: upstream.base_url, api_keys: upstream.api_keys, api_version: upstream.api_version, proxy: upstream.proxy }])),
    {
      'azure-0': { type: 'azure', base_url: 'https://xxxx.openai.azure.com', api_keys: ['xxxxxx'], api_version: '2023-05-15', proxy: undefined },
      'openai-1': { type: 'openai', base_url: 'https://api.openai.com/v1', api_keys: ['sk-xxxxxx'], api_version: undefined, proxy: undefined },
      'proxy-2': { type: 'openai-compatible', base_url: 'https://api.openai-sb.com/v1', api_keys: ['sb-xxxxxx'], api_version: undefined, proxy: undefined },
      'zhipu-api-3': { type: 'zhipu', base_url: undefined, api_keys: ['xxxxxx'], api_version: undefined, proxy: undefined },
      // APIKey:APISecret, the credential Spark's HTTP API takes.
      'xunfei-spark-api-4': { type: 'spark', base_url: undefined, api_keys: ['xxxx:xxxxxx'], api_version: undefined, proxy: undefined },
      'gemini-7': { type: 'gemini', base_url: undefined, api_keys: ['xxxxx'], api_version: undefined, proxy: 'http://localhost:7890' },
      'qwen-8': { type: 'dashscope', base_url: undefined, api_keys: ['sk-xxxxxxxx'], api_version: undefined, proxy: undefined },
      // Kimi through type openai: any host but api.openai.com is an OpenAI-compatible upstream.
      'openai-9': { type: 'openai-compatible', base_url: 'https://api.moonshot.cn/v1', api_keys: ['sk-xxxxxx'], api_version: undefined, proxy: undefined },
    },
  );

  t.deepEqual(
    Object.fromEntries(Object.entries(routes).map(([name, route]) => [name, { strategy: route.strategy, targets: route.targets.map(({ upstream, model }) => `${upstream} ${model}`) }])),
    {
      'azure-0': { strategy: 'round-robin', targets: ['azure-0 gpt-35-turbo'] },
      'openai-1': { strategy: 'round-robin', targets: ['openai-1 gpt-3.5-turbo'] },
      'proxy-2': { strategy: 'round-robin', targets: ['proxy-2 gpt-3.5-turbo'] },
      'zhipu-api-3': { strategy: 'round-robin', targets: ['zhipu-api-3 chatglm_lite'] },
      'xunfei-spark-api-4': { strategy: 'round-robin', targets: ['xunfei-spark-api-4 generalv2'] },
      'gemini-7': { strategy: 'round-robin', targets: ['gemini-7 gemini-pro'] },
      'qwen-8': { strategy: 'round-robin', targets: ['qwen-8 qwen-turbo'] },
      'openai-9': { strategy: 'round-robin', targets: ['openai-9 moonshot-v1-8k'] },
      // The router's token_pool: the Spark entry, then the Zhipu entry.
      'router-5': { strategy: 'round-robin', targets: ['xunfei-spark-api-4 generalv2', 'zhipu-api-3 chatglm_lite'] },
    },
  );

  const fixed = (token: string, route: string) => ({ token, name: route, default_model: route, model_map: { '*': route }, allowed_groups: [route] });
  t.deepEqual(tokens, [
    fixed('f2b7295fc440db7f', 'azure-0'),
    fixed('GxqT3BlbkFJj', 'openai-1'),
    fixed('sb-ede1529390cc', 'proxy-2'),
    fixed('7c7aa4a3549f5', 'zhipu-api-3'),
    fixed('7c7aa4a3549f11', 'xunfei-spark-api-4'),
    fixed('gemini-7c7aa4a3549f5', 'gemini-7'),
    fixed('qwen-111111xxxx', 'qwen-8'),
    fixed('kimi-GxqT3BlbkFJj1', 'openai-9'),
    fixed('7c7aa4a3549f12', 'router-5'),
    {
      token: '7c7aa4a3549f13',
      name: 'model-name-router-6',
      model_map: { 'spark-api-v2.0': 'xunfei-spark-api-4', chatglm_lite: 'zhipu-api-3', 'router-round-robin': 'router-5' },
      allowed_groups: ['xunfei-spark-api-4', 'zhipu-api-3', 'router-5'],
    },
  ]);
});

test('a model-name-router "default" entry becomes the token default model', (t) => {
  const text = JSON.stringify([
    { token: 'tok-zhipu', type: 'zhipu-api', config: { api_key: 'k', model: 'glm-4' } },
    { token: 'tok-qwen', type: 'qwen', config: { api_key: 'k', model: 'qwen-max' } },
    { token: 'tok-names', type: 'model-name-router', config: { 'model-2-token': { default: 'tok-zhipu', 'qwen-max': 'tok-qwen' } } },
  ]);
  t.deepEqual(configOf(text).tokens[2], {
    token: 'tok-names',
    name: 'model-name-router-2',
    default_model: 'zhipu-api-0',
    model_map: { 'qwen-max': 'qwen-1' },
    allowed_groups: ['qwen-1', 'zhipu-api-0'],
  });
});

test('an openai entry without a model passes the requested name through; claude maps to anthropic', (t) => {
  const text = JSON.stringify([
    { token: 't1', type: 'openai', config: { api_key: 'k' } },
    { token: 't2', type: 'claude', config: { api_key: 'k', model: 'claude-2', 'anthropic-version': '2023-06-01' } },
  ]);
  const config = configOf(text);
  t.deepEqual(config.upstreams['openai-0']?.type, 'openai');
  t.is(config.upstreams['openai-0']?.base_url, undefined);
  t.deepEqual(config.routes['openai-0']?.targets, [{ upstream: 'openai-0', model: null, weight: 1, priority: 0 }]);
  t.deepEqual(config.upstreams['claude-1']?.type, 'anthropic');
  t.deepEqual(config.routes['claude-1']?.targets[0]?.model, 'claude-2');
});

test('mistakes in entries are refused with the entry path and line', (t) => {
  const text = `[
  { "token": "az", "type": "azure", "config": { "api_base": "https://x.openai.azure.com/", "api_key": "k", "api_version": "2023-05-15" } },
  { "token": "spark", "type": "xunfei-spark-api", "config": { "app_id": "a", "api_key": "k", "api_secret": "s", "api_model_version": "v9" } },
  { "token": "pool", "type": "router", "config": { "router_strategy": "weighted", "token_pool": ["az"] } },
  { "token": "pool2", "type": "router", "config": { "router_strategy": "random", "token_pool": ["az", "zhipu-api-7c7aa4a3549f5"] } },
  { "token": "az", "type": "qwen", "config": { "api_key": "k", "model": "qwen-turbo" } },
  { "token": "names", "type": "model-name-router", "config": { "model-2-token": { "x": "names" } } },
  { "type": "gemini", "config": { "api_key": "k" } },
  { "token": "gem", "type": "gemini", "config": { "api_key": "k", "proxies": { "https": "localhost:7890" } } }
]`;
  t.deepEqual(errorsOf(text), [
    '[0].config.deployment_id: required, line 2',
    '[1].config.api_model_version: unknown Spark version "v9" (known: v1.1, v1.5, v2.0, v3.0, v3.1, v3.5, v4.0), line 3',
    '[2].config.router_strategy: expected round-robin or random, line 4',
    '[3].config.token_pool[1]: no entry of this file has this token, line 5',
    '[4].token: the same token as entry [0], line 6',
    '[5].config.model-2-token.x: names a model-name-router entry ([5]); routers of routers are not converted, line 7',
    '[6].token: required, line 8',
    '[7].config.proxies.https: expected an http://, https://, socks5:// or socks5h:// URL (user:password@ allowed), line 9',
  ]);
});

test('a file named model-config.json is read as openai-style-api even when its shape says otherwise', (t) => {
  t.deepEqual(errorsOf('{ "routes": {} }', {}, '/etc/gateway/model-config.json'), ['expected a list of openai-style-api entries, line 1']);
  t.deepEqual(configOf('[]', {}, 'model-config.json').upstreams, {});
  t.deepEqual(errorsOf('[]'), ['expected a map with upstreams, routes, fallbacks, tokens and prices, line 1']);
});

test('${ENV} references work in openai-style-api files too', (t) => {
  const text = JSON.stringify([{ token: 't', type: 'qwen', config: { api_key: '${DASHSCOPE_KEY}', model: 'qwen-turbo' } }]);
  const parsed = parseConfig(text, { DASHSCOPE_KEY: 'sk-dashscope' });
  if (!parsed.ok) return t.fail();
  t.deepEqual(parsed.config.upstreams['qwen-0']?.api_keys, ['sk-dashscope']);
  t.deepEqual(parsed.secretPaths, ['upstreams.qwen-0.api_keys[0]']);
  t.deepEqual(errorsOf(text), ['upstreams.qwen-0.api_keys[0]: environment variable DASHSCOPE_KEY is not set']);
});
