import test from 'ava';
import { configVersion } from '../../../src/config/file/index.js';
import { configOf } from './parse-helpers.js';

const YAML_TEXT = `# Two upstreams and two routes, most fields left to their defaults.
upstreams:
  gemini-free:
    type: gemini
    api_keys: [k1, k2]
  reseller:
    type: openai-compatible
    base_url: https://reseller.example/v1/
    models: [gpt-4o, gpt-4o-mini]
    key_limits: { rpm: 60 }
routes:
  gpt-4o:
    targets:
      - upstream: reseller
      - upstream: openai
        model: gpt-4o-2024-11-20
        weight: 2.5
        priority: 7
  gpt-4o*:
    targets: [{ upstream: reseller }]
tokens:
  - token: client-token
`;

const JSON_TEXT = `{
  "tokens": [{ "token": "client-token" }],
  "routes": {
    "gpt-4o": { "targets": [{ "upstream": "reseller" }, { "upstream": "openai", "model": "gpt-4o-2024-11-20", "weight": 2.5, "priority": 7 }] },
    "gpt-4o*": { "targets": [{ "upstream": "reseller" }] }
  },
  "upstreams": {
    "reseller": { "type": "openai-compatible", "base_url": "https://reseller.example/v1/", "models": ["gpt-4o", "gpt-4o-mini"], "key_limits": { "rpm": 60 } },
    "gemini-free": { "type": "gemini", "api_keys": ["k1", "k2"] }
  }
}`;

const DEFAULT_ROUTE_PARTS = {
  strategy: 'round-robin',
  fallbacks: { on_error: [], on_rate_limit: [] },
  eject: { after_failures: 3, cool_off_ms: 30_000, max_cool_off_ms: 600_000 },
  rewrite_model: false,
};

test('a valid config comes back whole with every default filled in', (t) => {
  t.deepEqual(configOf(YAML_TEXT), {
    upstreams: {
      'gemini-free': { type: 'gemini', api_keys: ['k1', 'k2'], headers: {}, models: {}, paid: false, cooldown_per_model: true },
      reseller: {
        type: 'openai-compatible',
        base_url: 'https://reseller.example/v1',
        api_keys: [],
        headers: {},
        models: { 'gpt-4o': 'gpt-4o', 'gpt-4o-mini': 'gpt-4o-mini' },
        key_limits: { rpm: 60 },
        paid: false,
        cooldown_per_model: false,
      },
    },
    routes: {
      'gpt-4o': {
        ...DEFAULT_ROUTE_PARTS,
        targets: [
          { upstream: 'reseller', model: 'gpt-4o', weight: 1, priority: 0 },
          { upstream: 'openai', model: 'gpt-4o-2024-11-20', weight: 2.5, priority: 7 },
        ],
      },
      // A glob route's target without a model passes the requested name through.
      'gpt-4o*': { ...DEFAULT_ROUTE_PARTS, targets: [{ upstream: 'reseller', model: null, weight: 1, priority: 0 }] },
    },
    fallbacks: { on_error: [], on_rate_limit: [] },
    tokens: [{ token: 'client-token', model_map: {} }],
    prices: {},
  });
});

test('an empty file is an empty config', (t) => {
  t.deepEqual(configOf(''), { upstreams: {}, routes: {}, fallbacks: { on_error: [], on_rate_limit: [] }, tokens: [], prices: {} });
});

test('JSON and YAML of the same content give the same config and the same version', (t) => {
  t.deepEqual(configOf(JSON_TEXT), configOf(YAML_TEXT));
  t.is(configVersion(configOf(JSON_TEXT)), configVersion(configOf(YAML_TEXT)));
});

test('configVersion ignores formatting, comments, key order and written defaults', (t) => {
  const reformatted = `upstreams: {reseller: {models: [gpt-4o, gpt-4o-mini], key_limits: {rpm: 60}, base_url: "https://reseller.example/v1", type: openai-compatible}, gemini-free: {type: gemini, api_keys: [k1, k2], cooldown_per_model: true}}
routes:
  "gpt-4o*": { targets: [{ upstream: reseller }] }
  gpt-4o: { strategy: round-robin, targets: [{ upstream: reseller, weight: 1 }, { upstream: openai, model: gpt-4o-2024-11-20, weight: 2.5, priority: 7 }] }
tokens: [{ token: client-token }]
`;
  const version = configVersion(configOf(YAML_TEXT));
  t.regex(version, /^[0-9a-f]{16}$/);
  t.is(configVersion(configOf(reformatted)), version);
});

test('configVersion changes with a real change', (t) => {
  const version = configVersion(configOf(YAML_TEXT));
  t.not(configVersion(configOf(YAML_TEXT.replace('weight: 2.5', 'weight: 3'))), version);
  t.not(configVersion(configOf(YAML_TEXT.replace('[k1, k2]', '[k2, k1]'))), version);
});
