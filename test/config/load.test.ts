import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDotenvFile, ConfigError, loadConfig as loadWithDefinitions } from '../../src/config/load.js';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';
import { writeConfigFile } from '../helpers/config-file.js';

const loadConfig = (env: NodeJS.ProcessEnv) => loadWithDefinitions(env, PROVIDER_DEFINITIONS);

test('defaults give a working gateway with no providers', (t) => {
  const config = loadConfig({});
  t.is(config.port, 8000);
  t.is(config.host, '127.0.0.1');
  t.false(config.hostExplicit);
  t.is(config.logLevel, 'info');
  t.is(config.upstreamTimeoutMs, 300_000);
  t.is(config.maxRequestBodyBytes, 50 * 1024 * 1024);
  t.deepEqual(config.cors, { origins: '*', allowCredentials: false });
  t.deepEqual(config.providers, []);
  t.deepEqual(config.auth, { clientTokens: [], adminToken: undefined });
});

test('list variables accept JSON lists and comma-separated values', (t) => {
  const json = loadConfig({ ALLOWED_TOKENS: '["sk-a", "sk-b"]', OPENAI_API_KEY: '["k1","k2"]' });
  const csv = loadConfig({ ALLOWED_TOKENS: 'sk-a, sk-b', OPENAI_API_KEY: 'k1,k2,' });
  t.deepEqual(json.auth.clientTokens, ['sk-a', 'sk-b']);
  t.deepEqual(csv.auth.clientTokens, ['sk-a', 'sk-b']);
  t.deepEqual(json.providers[0]?.apiKeys, ['k1', 'k2']);
  t.deepEqual(csv.providers[0]?.apiKeys, ['k1', 'k2']);
});

test('AUTH_TOKEN defaults to the first allowed token and is accepted as a client token', (t) => {
  t.is(loadConfig({ ALLOWED_TOKENS: 'sk-a,sk-b' }).auth.adminToken, 'sk-a');
  const explicit = loadConfig({ ALLOWED_TOKENS: 'sk-a', AUTH_TOKEN: 'sk-admin' });
  t.is(explicit.auth.adminToken, 'sk-admin');
  t.deepEqual(explicit.auth.clientTokens, ['sk-a', 'sk-admin']);
});

test('with tokens the gateway listens on every interface; HOST always wins', (t) => {
  t.is(loadConfig({ ALLOWED_TOKENS: 'sk-a' }).host, '0.0.0.0');
  const explicit = loadConfig({ HOST: '0.0.0.0' });
  t.is(explicit.host, '0.0.0.0');
  t.true(explicit.hostExplicit);
});

test('legacy whitelist counts only when ENABLE_CHECK_APIKEY is on', (t) => {
  t.deepEqual(loadConfig({ api_keys_whitelist: 'a,b' }).auth.clientTokens, []);
  t.deepEqual(loadConfig({ ENABLE_CHECK_APIKEY: 'true', api_keys_whitelist: 'a,b' }).auth.clientTokens, ['a', 'b']);
  const error = t.throws(() => loadConfig({ ENABLE_CHECK_APIKEY: 'yes' }), { instanceOf: ConfigError });
  t.regex(error.message, /ENABLE_CHECK_APIKEY.*api_keys_whitelist/);
});

test('provider keys from several variables are merged; base URLs are trimmed', (t) => {
  const config = loadConfig({
    OPENAI_API_KEY: 'k1',
    OPENAI_API_KEYS: '["k2","k1"]',
    OPENAI_BASE_URL: 'https://proxy.example/v1/',
    DEEPSEEK_API_KEY: 'd1',
    DEEPSEEK_API_URL: 'https://api.deepseek.com/chat/completions',
  });
  t.deepEqual(config.providers, [
    { id: 'openai', kind: 'openai', baseUrl: 'https://proxy.example/v1', apiKeys: ['k1', 'k2'], models: [] },
    { id: 'deepseek', kind: 'deepseek', baseUrl: 'https://api.deepseek.com', apiKeys: ['d1'], models: [] },
  ]);
  t.is(loadConfig({ DEEPSEEK_API_KEY: 'd1' }).providers[0]?.baseUrl, 'https://api.deepseek.com');
  t.is(loadConfig({ OPENAI_API_KEY: 'k1' }).providers[0]?.baseUrl, 'https://api.openai.com/v1');
});

test('named OpenAI-compatible providers are read from JSON', (t) => {
  const config = loadConfig({
    OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([
      { name: 'silicon', base_url: 'https://api.siliconflow.cn/v1/', api_keys: ['s1', 's2'], models: ['Qwen/*'] },
      { name: 'local', base_url: 'http://127.0.0.1:8001/v1' },
    ]),
  });
  t.deepEqual(config.providers, [
    { id: 'silicon', kind: 'openai-compatible', baseUrl: 'https://api.siliconflow.cn/v1', apiKeys: ['s1', 's2'], models: ['Qwen/*'] },
    { id: 'local', kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:8001/v1', apiKeys: [], models: [] },
  ]);
});

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

test('a bad value is one line naming the variable and the problem', (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'abc' }, /^invalid configuration: PORT: expected a whole number between 0 and 65535$/],
    [{ PORT: '70000' }, /^invalid configuration: PORT: must be at most 65535$/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: expected one of/],
    [{ TIME_OUT: 'soon' }, /TIME_OUT: expected a number of seconds/],
    [{ CORS_ALLOW_CREDENTIALS: 'maybe' }, /CORS_ALLOW_CREDENTIALS: expected true or false/],
    [{ ALLOWED_TOKENS: '["a",' }, /ALLOWED_TOKENS: looks like a JSON list but is not valid JSON/],
    [{ OPENAI_BASE_URL: 'ftp://x' }, /OPENAI_BASE_URL: expected an http\(s\) URL/],
    [{ MAX_REQUEST_BODY_SIZE: 'huge' }, /MAX_REQUEST_BODY_SIZE: expected a size/],
    [{ OPENAI_COMPATIBLE_PROVIDERS: '{' }, /OPENAI_COMPATIBLE_PROVIDERS: is not valid JSON/],
    [{ OPENAI_COMPATIBLE_PROVIDERS: '[{"name":"Bad Name","base_url":"http://x"}]' }, /OPENAI_COMPATIBLE_PROVIDERS\[0\]\.name: name must be/],
    [{ OPENAI_COMPATIBLE_PROVIDERS: '[{"name":"openai","base_url":"http://x"}]' }, /OPENAI_COMPATIBLE_PROVIDERS\[0\]\.name: "openai" is a built-in/],
  ];
  for (const [env, expected] of cases) {
    const message = failure(env);
    t.regex(message, expected, JSON.stringify(env));
    t.false(message.includes('\n'));
  }
});

test('a bad secret-bearing value is reported without echoing it', (t) => {
  const message = failure({ OPENAI_API_KEY: '["sk-live-secret-value",' });
  t.regex(message, /OPENAI_API_KEY/);
  t.false(message.includes('sk-live-secret-value'));
});

test('LOG_LEVEL accepts the gemini-balance spellings', (t) => {
  t.is(loadConfig({ LOG_LEVEL: 'WARNING' }).logLevel, 'warn');
  t.is(loadConfig({ LOG_LEVEL: 'critical' }).logLevel, 'fatal');
  t.is(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
});

test('sizes and durations are parsed with their units', (t) => {
  t.is(loadConfig({ MAX_REQUEST_BODY_SIZE: '512kb' }).maxRequestBodyBytes, 512 * 1024);
  t.is(loadConfig({ MAX_REQUEST_BODY_SIZE: '2048' }).maxRequestBodyBytes, 2048);
  t.is(loadConfig({ TIME_OUT: '1.5' }).upstreamTimeoutMs, 1500);
});

test('a .env file fills in variables the environment does not set', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-env-'));
  const file = join(dir, '.env');
  writeFileSync(file, 'PORT=9123\nAPI_KEYS=["AIza-one","AIza-two"]\nHOST=10.0.0.1\n# comment\nALLOWED_TOKENS="sk-a,sk-b"\n');
  const env: NodeJS.ProcessEnv = { HOST: '127.0.0.2' };
  t.true(applyDotenvFile(file, env));
  t.is(env.PORT, '9123');
  t.is(env.HOST, '127.0.0.2');
  t.is(env.API_KEYS, '["AIza-one","AIza-two"]');
  t.deepEqual(loadConfig(env).auth.clientTokens, ['sk-a', 'sk-b']);
  t.false(applyDotenvFile(join(dir, 'missing.env'), env));
  // A file the operator named (ENV_FILE) must exist: starting without it would start without its keys and tokens.
  t.throws(() => applyDotenvFile(join(dir, 'missing.env'), env, true), { instanceOf: ConfigError, message: /^ENV_FILE: cannot read .*missing\.env \(ENOENT\)$/ });
});

test('access and metering settings: defaults, BYOK providers enabled without keys, bad values named', (t) => {
  const defaults = loadConfig({});
  t.deepEqual(defaults.access, { byokProviders: [], maxAuthFailures: 10, lockoutMs: 900_000, trustedProxyHops: 0, consoleSessionMs: 12 * 3_600_000 });
  t.deepEqual(defaults.usage, { timeZone: 'UTC', logRetentionMs: 30 * 86_400_000, errorLogRetentionMs: 30 * 86_400_000, logMaxRecords: 50_000, logRequestBodies: false });

  const byok = loadConfig({
    BYOK_PROVIDERS: 'dashscope',
    OPENAI_COMPATIBLE_PROVIDERS: '[{"name":"public","base_url":"http://127.0.0.1:9/v1","byok":true}]',
    TIMEZONE: 'Asia/Shanghai',
    TRUST_PROXY: 'true',
  });
  t.deepEqual(byok.access.byokProviders, ['dashscope', 'public']);
  t.deepEqual(
    byok.providers.map((provider) => [provider.id, provider.apiKeys.length]),
    [
      ['dashscope', 0],
      ['public', 0],
    ],
  );
  t.is(byok.usage.timeZone, 'Asia/Shanghai');
  t.is(byok.access.trustedProxyHops, 1);
  t.is(loadConfig({ TRUST_PROXY: '2' }).access.trustedProxyHops, 2);
  t.is(loadConfig({ CONSOLE_SESSION_HOURS: '1' }).access.consoleSessionMs, 3_600_000);

  t.throws(() => loadConfig({ TIMEZONE: 'Mars/Base' }), { instanceOf: ConfigError, message: /TIMEZONE: unknown time zone "Mars\/Base"/ });
  t.throws(() => loadConfig({ BYOK_PROVIDERS: 'nobody' }), { instanceOf: ConfigError, message: /BYOK_PROVIDERS: "nobody" is not a provider name/ });
  t.throws(() => loadConfig({ TRUST_PROXY: 'maybe' }), { instanceOf: ConfigError, message: /TRUST_PROXY/ });
  t.throws(() => loadConfig({ LOG_RETENTION_DAYS: '0' }), { instanceOf: ConfigError, message: /LOG_RETENTION_DAYS/ });
  t.throws(() => loadConfig({ CONSOLE_SESSION_HOURS: '0' }), { instanceOf: ConfigError, message: /CONSOLE_SESSION_HOURS/ });
});

test('outbound proxies: PROXIES as JSON or a list, the lower-case standard variables win, curl-style bare host:port is http://', (t) => {
  t.deepEqual(loadConfig({}).proxies, { httpsProxy: undefined, httpProxy: undefined, noProxy: [], pool: [], consistentByKey: true });
  const config = loadConfig({
    PROXIES: '["http://u:p@10.0.0.1:8080", "socks5h://10.0.0.2:1080"]',
    PROXIES_USE_CONSISTENCY_HASH_BY_API_KEY: 'false',
    HTTPS_PROXY: 'http://upper:3128',
    https_proxy: 'lower:3128',
    HTTP_PROXY: 'socks5://127.0.0.1:7890',
    NO_PROXY: 'a.example',
    no_proxy: '.b.example, localhost',
  });
  t.deepEqual(config.proxies, {
    httpsProxy: 'lower:3128',
    httpProxy: 'socks5://127.0.0.1:7890',
    noProxy: ['.b.example', 'localhost'],
    pool: ['http://u:p@10.0.0.1:8080', 'socks5h://10.0.0.2:1080'],
    consistentByKey: false,
  });
  t.deepEqual(loadConfig({ PROXIES: 'http://10.0.0.1:8080,https://10.0.0.3:443' }).proxies.pool, ['http://10.0.0.1:8080', 'https://10.0.0.3:443']);
});

test('a bad proxy URL is refused at start, naming the variable but not the password', (t) => {
  const cases: Record<string, string>[] = [{ HTTPS_PROXY: 'ftp://user:pw-secret-1@proxy:21' }, { PROXIES: 'socks4://user:pw-secret-1@proxy:1080' }];
  for (const env of cases) {
    const message = failure(env);
    t.regex(message, /^invalid configuration: (HTTPS_PROXY|PROXIES(\[0\])?): expected an http:\/\/, https:\/\/, socks5:\/\/ or socks5h:\/\/ proxy URL/);
    t.false(message.includes('pw-secret-1'));
  }
});

test("a config file upstream's proxy is applied: it lands in the upstream's settings", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-proxy-'));
  const path = join(dir, 'gateway.yaml');
  writeFileSync(
    path,
    ['upstreams:', '  behind-proxy:', '    type: openai-compatible', '    base_url: https://llm.example/v1', '    api_keys: [k1]', '    proxy: socks5h://127.0.0.1:1080', ''].join('\n'),
  );
  const config = loadConfig({ CONFIG_FILE: path });
  t.is(config.routing?.upstreams.find((provider) => provider.id === 'behind-proxy')?.proxy, 'socks5h://127.0.0.1:1080');
});

test('key cooldowns per model: Gemini from the environment, config file gemini upstreams unless cooldown_per_model: false', (t) => {
  const path = writeConfigFile(
    [
      'upstreams:',
      '  gemini-free: { type: gemini, api_keys: [g1] }',
      '  gemini-pooled: { type: gemini, api_keys: [g2], cooldown_per_model: false }',
      '  reseller: { type: openai-compatible, base_url: https://llm.example/v1, api_keys: [r1] }',
      '  reseller-per-model: { type: openai-compatible, base_url: https://llm.example/v1, api_keys: [r2], cooldown_per_model: true }',
      '',
    ].join('\n'),
  );
  const config = loadConfig({ CONFIG_FILE: path, GEMINI_API_KEY: 'g0', OPENAI_API_KEY: 'o1' });
  t.deepEqual(
    [...config.providers, ...(config.routing?.upstreams ?? [])].map((provider) => [provider.id, provider.cooldownPerModel ?? false]),
    [
      ['gemini', true],
      ['openai', false],
      ['gemini-free', true],
      ['gemini-pooled', false],
      ['reseller', false],
      ['reseller-per-model', true],
    ],
  );
});

test('CNY_PER_USD: a documented default, a positive decimal, anything else refused', (t) => {
  t.deepEqual(loadConfig({}).cost, { exchangeRates: { cnyPerUsd: 7.02 } });
  t.is(loadConfig({ CNY_PER_USD: ' 7.1 ' }).cost.exchangeRates.cnyPerUsd, 7.1);
  t.is(loadConfig({ CNY_PER_USD: '8' }).cost.exchangeRates.cnyPerUsd, 8);
  for (const value of ['0', '0.0', '-7.1', 'seven', '7,1', '1e3']) {
    t.throws(() => loadConfig({ CNY_PER_USD: value }), { instanceOf: ConfigError, message: /CNY_PER_USD: expected a positive number/ }, value);
  }
});

test('passthrough: OpenAI-compatible upstreams may say they serve the Responses and Completions APIs themselves', (t) => {
  const fromEnv = loadConfig({ OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([{ name: 'vllm', base_url: 'http://vllm:8000/v1', passthrough: ['responses'] }]) });
  t.deepEqual(fromEnv.providers.find((provider) => provider.id === 'vllm')?.passthroughApis, ['responses']);
  t.throws(() => loadConfig({ OPENAI_COMPATIBLE_PROVIDERS: JSON.stringify([{ name: 'vllm', base_url: 'http://vllm:8000/v1', passthrough: ['moderations'] }]) }), { instanceOf: ConfigError });

  const file = writeConfigFile('upstreams:\n  proxy:\n    type: openai-compatible\n    base_url: http://proxy:8000/v1\n    passthrough: [responses, completions]\n');
  t.deepEqual(loadConfig({ CONFIG_FILE: file }).routing?.upstreams[0]?.passthroughApis, ['responses', 'completions']);
  const wrongKind = writeConfigFile('upstreams:\n  claude:\n    type: anthropic\n    api_keys: [k]\n    passthrough: [responses]\n');
  const error = t.throws(() => loadConfig({ CONFIG_FILE: wrongKind }), { instanceOf: ConfigError });
  t.regex(error!.message, /upstreams\.claude\.passthrough: only an OpenAI-compatible upstream serves OpenAI's APIs itself/);
});
