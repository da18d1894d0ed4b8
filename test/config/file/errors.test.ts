import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatConfigErrors, readGatewayConfigFile } from '../../../src/config/file/index.js';
import { BUILT_IN_PROVIDERS, PROVIDER_KINDS, errorsOf, parseConfig } from './parse-helpers.js';

const WEIGHTED = `# line 1
upstreams:
  reseller-a:
    type: openai-compatible
    base_url: https://a.example/v1
  reseller-b:
    type: openai-compatible
    base_url: https://b.example/v1
routes:
  gpt-4o:
    strategy: weighted
    targets:
      - { upstream: reseller-a, weight: 3 }
      - upstream: reseller-b
        weight: 0
`;

test('a mistake is refused with its path, message and line, and nothing of the config is returned', (t) => {
  const parsed = parseConfig(WEIGHTED.replace('weight: 0', 'weight: -1'));
  t.false(parsed.ok);
  t.false('config' in parsed);
  t.deepEqual(errorsOf(WEIGHTED), ['routes.gpt-4o.targets[1].weight: expected a positive number, line 15']);
});

test('a weight that is not a number names the same field and line', (t) => {
  t.deepEqual(errorsOf(WEIGHTED.replace('weight: 0', 'weight: heavy')), ['routes.gpt-4o.targets[1].weight: expected a positive number, line 15']);
});

test('unknown fields are errors at their own line, one per field', (t) => {
  const text = `upstreams:
  oa:
    type: openai
    api_key: sk-not-a-list
routes:
  gpt-4o:
    targets: [{ upstream: oa }]
    retries: 2
extra: true
`;
  t.deepEqual(errorsOf(text), [
    'upstreams.oa.api_key: unknown field, line 4',
    'routes.gpt-4o.retries: unknown field, line 8',
    'extra: unknown field, line 9',
  ]);
});

test('a missing required field points at its parent', (t) => {
  const text = `upstreams:
  oa:
    base_url: https://api.openai.com/v1
routes:
  gpt-4o:
    targets:
      - model: gpt-4o
`;
  t.deepEqual(errorsOf(text), ['upstreams.oa.type: required, line 2', 'routes.gpt-4o.targets[0].upstream: required, line 7']);
});

test('field values are checked with a message that says what is expected', (t) => {
  const text = `upstreams:
  oa:
    type: openia
    base_url: ftp://files.example
    api_keys: sk-one
    timeout_ms: 1.5
    proxy: socks4://127.0.0.1:1080
    paid: "yes"
routes:
  gpt-4o:
    strategy: fastest
    targets: []
    hedge_after_ms: 0
`;
  t.deepEqual(errorsOf(text), [
    'upstreams.oa.type: expected one of gemini, openai, deepseek, anthropic, azure, ollama, minimax, dashscope, zhipu, spark, huggingface, openai-compatible, line 3',
    'upstreams.oa.base_url: expected an http:// or https:// URL, line 4',
    'upstreams.oa.api_keys: expected a list of keys, line 5',
    'upstreams.oa.timeout_ms: expected a positive whole number, line 6',
    'upstreams.oa.proxy: expected an http://, https://, socks5:// or socks5h:// URL (user:password@ allowed), line 7',
    'upstreams.oa.paid: expected true or false, line 8',
    'routes.gpt-4o.strategy: expected one of round-robin, weighted, random, priority, least-busy, lowest-latency, least-used, lowest-cost, line 11',
    'routes.gpt-4o.targets: needs at least one target, line 12',
    'routes.gpt-4o.hedge_after_ms: expected a positive whole number, line 13',
  ]);
});

test('keys with dots are quoted in the path', (t) => {
  const text = `routes:
  gpt-3.5-turbo:
    targets:
      - { upstream: openai, weight: 0 }
`;
  t.deepEqual(errorsOf(text), ['routes["gpt-3.5-turbo"].targets[0].weight: expected a positive number, line 4']);
});

test('JSON files report the line of the field too', (t) => {
  const json = `{
  "routes": {
    "gpt-4o": {
      "targets": [
        { "upstream": "openai" },
        { "upstream": "openai", "weight": -2 }
      ]
    }
  }
}`;
  t.deepEqual(errorsOf(json), ['routes.gpt-4o.targets[1].weight: expected a positive number, line 6']);
});

test('a syntax error is reported with its line, without quoting the source (it may hold a secret)', (t) => {
  t.deepEqual(errorsOf('upstreams:\n  x:\n    type: openai\n   api_keys: [sk-live-0123456789]\n'), [
    'not valid YAML or JSON: All mapping items must start at the same column, line 4',
  ]);
});

test('the same key twice is a syntax error, not a silent override', (t) => {
  t.deepEqual(errorsOf('routes:\n  a:\n    targets: [{ upstream: openai }]\n  a:\n    targets: [{ upstream: gemini }]\n'), [
    'not valid YAML or JSON: Map keys must be unique, line 4',
  ]);
});

test('a file that is not a map is refused at the top', (t) => {
  t.deepEqual(errorsOf('- just\n- a list\n'), ['expected a map with upstreams, routes, fallbacks, tokens and prices, line 1']);
});

test('an error about a secret field names the path, never the value', (t) => {
  const text = `upstreams:
  oa:
    type: openai
    api_keys: [sk-live-0123456789abcdef, 42]
    headers: { Authorization: 7 }
    proxy: "ftp://user:hunter2-secret@proxy:21"
tokens:
  - token: 12345
`;
  const message = errorsOf(text).join('\n');
  t.is(message, [
    'upstreams.oa.api_keys[1]: expected a string, line 4',
    'upstreams.oa.headers.Authorization: header values must be strings, line 5',
    'upstreams.oa.proxy: expected an http://, https://, socks5:// or socks5h:// URL (user:password@ allowed), line 6',
    'tokens[0].token: expected a string, line 8',
  ].join('\n'));
  t.false(message.includes('sk-live'));
  t.false(message.includes('hunter2'));
});

test('readGatewayConfigFile reads a file and refuses an unreadable one with one error', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, WEIGHTED);
  const read = readGatewayConfigFile(file, { env: {}, builtInProviders: BUILT_IN_PROVIDERS, providerKinds: PROVIDER_KINDS });
  t.false(read.ok);
  if (!read.ok) t.is(formatConfigErrors(read.errors), 'routes.gpt-4o.targets[1].weight: expected a positive number, line 15');

  const missing = readGatewayConfigFile(join(dir, 'absent.yaml'), { env: {}, builtInProviders: BUILT_IN_PROVIDERS, providerKinds: PROVIDER_KINDS });
  t.deepEqual(missing, { ok: false, errors: [{ path: '', line: undefined, message: `cannot read the config file ${join(dir, 'absent.yaml')}: ENOENT` }] });
});

test('formatConfigErrors writes one error a line, without a line number when there is none', (t) => {
  t.is(
    formatConfigErrors([
      { path: 'routes.a.targets[0].upstream', line: 3, message: 'required' },
      { path: '', line: undefined, message: 'cannot read the config file x: EACCES' },
    ]),
    'routes.a.targets[0].upstream: required, line 3\ncannot read the config file x: EACCES',
  );
});

test('a price is checked where it is written, with its path and line', (t) => {
  t.deepEqual(errorsOf('prices:\n  gpt-4o: { input: 2.5, output: 10 }\n  "team/*":\n    input: -1\n    output: 2\n'), [
    'prices["team/*"].input: a price cannot be negative, line 4',
  ]);
  t.deepEqual(errorsOf('prices:\n  gpt-4o: { input: 2.5, outptu: 10 }\n'), [
    'prices.gpt-4o.output: required, line 2',
    'prices.gpt-4o.outptu: unknown field, line 2',
  ]);
});
