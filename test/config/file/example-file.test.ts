import test from 'ava';
import { fileURLToPath } from 'node:url';
import { formatConfigErrors, maskSecrets, readGatewayConfigFile } from '../../../src/config/file/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { PROVIDER_DEFINITIONS } from '../../../src/providers/registry.js';
import { BUILT_IN_PROVIDERS, PROVIDER_KINDS } from './parse-helpers.js';

const EXAMPLE = fileURLToPath(new URL('../../../../gateway.example.yaml', import.meta.url));

const VARIABLES = [
  'AZURE_EASTUS_KEY',
  'AZURE_SWEDEN_KEY',
  'RESELLER_A_KEY_1',
  'RESELLER_A_KEY_2',
  'RESELLER_A_ACCOUNT',
  'PROXY_PASSWORD',
  'RESELLER_B_KEY',
  'RESELLER_C_KEY',
  'GEMINI_FREE_KEY_1',
  'GEMINI_FREE_KEY_2',
  'GEMINI_FREE_KEY_3',
  'GEMINI_PAID_KEY',
  'TEAM_A_TOKEN',
];
const ENV = Object.fromEntries(VARIABLES.map((name) => [name, `secret-${name.toLowerCase()}`]));

function readExample(env: Record<string, string | undefined>) {
  return readGatewayConfigFile(EXAMPLE, { env, builtInProviders: BUILT_IN_PROVIDERS, providerKinds: PROVIDER_KINDS });
}

test('gateway.example.yaml parses and shows each documented setup', (t) => {
  const parsed = readExample(ENV);
  if (!parsed.ok) return t.fail(formatConfigErrors(parsed.errors));
  const { upstreams, routes, fallbacks, tokens } = parsed.config;

  t.deepEqual(Object.values(upstreams).filter((upstream) => upstream.type === 'azure').map((upstream) => upstream.base_url), [
    'https://contoso-eastus.openai.azure.com',
    'https://contoso-sweden.openai.azure.com',
  ]);
  t.is(Object.values(upstreams).filter((upstream) => upstream.type === 'openai-compatible').length, 3);
  t.deepEqual(upstreams['gemini-free']!.api_keys.length, 3);
  t.deepEqual(upstreams['reseller-a']!.key_limits, { rpm: 500, tpm: 200000, max_concurrent: 20 });
  t.deepEqual(upstreams['azure-sweden']!.api_keys, ['secret-azure_sweden_key']);
  t.is(upstreams['reseller-a']!.proxy, 'http://proxy-user:secret-proxy_password@proxy.internal:3128');
  t.is(upstreams['reseller-b']!.proxy, 'socks5h://proxy.internal:1080');

  t.is(routes['gpt-4o']!.strategy, 'weighted');
  t.deepEqual(routes['gpt-4o']!.targets.map(({ upstream, model, weight }) => [upstream, model, weight]), [
    ['reseller-a', 'gpt-4o', 3],
    ['reseller-b', 'gpt-4o', 1],
    ['reseller-c', 'gpt-4o', 1],
  ]);
  t.is(routes['gpt-4o-azure']!.strategy, 'priority');
  t.deepEqual(routes['gpt-4o-azure']!.targets.map(({ priority }) => priority), [0, 1]);
  t.deepEqual(routes['gemini-2.5-flash']!.fallbacks.on_rate_limit, ['gemini-2.5-flash-paid']);
  t.is(routes['gpt-4o-mini']!.fallbacks.on_context_window, 'gpt-4.1');
  t.is(routes['deepseek-chat']!.hedge_after_ms, 1500);
  t.deepEqual(routes['gpt-4o*']!.targets[0]!.model, null);
  t.deepEqual(fallbacks.on_error, ['gpt-4o-mini']);
  t.deepEqual(tokens[0]!.model_map, { fast: 'gemini-2.5-flash', smart: 'gpt-4o', 'gpt-3.5-turbo': 'gpt-4o-mini' });

  const masked = JSON.stringify(maskSecrets(parsed.config, parsed.secretPaths));
  for (const value of Object.values(ENV)) t.false(masked.includes(value), value);
});

test('gateway.example.yaml without its variables names each missing one with its line', (t) => {
  const parsed = readExample({ ...ENV, GEMINI_PAID_KEY: undefined, TEAM_A_TOKEN: undefined });
  t.false(parsed.ok);
  if (parsed.ok) return;
  t.deepEqual(
    parsed.errors.map(({ path, message }) => `${path}: ${message}`),
    ['upstreams.gemini-paid.api_keys[0]: environment variable GEMINI_PAID_KEY is not set', 'tokens[0].token: environment variable TEAM_A_TOKEN is not set'],
  );
  t.true(parsed.errors.every((error) => typeof error.line === 'number'));
});

test('gateway.example.yaml as it is configures a gateway: its upstreams and groups are applied', (t) => {
  const config = loadConfig({ ...ENV, DEEPSEEK_API_KEY: 'sk-deepseek-example', CONFIG_FILE: EXAMPLE }, PROVIDER_DEFINITIONS);
  t.truthy(config.routing);
  t.deepEqual(config.routing!.keyLimits['reseller-a'], { rpm: 500, tpm: 200000, maxConcurrent: 20 });
  t.true(config.routing!.upstreams.some((upstream) => upstream.id === 'gemini-paid'));
});
