import test from 'ava';
import { errorsOf, configOf } from './parse-helpers.js';

const UPSTREAMS = `upstreams:
  azure-east:
    type: azure
    base_url: https://east.openai.azure.com
    api_version: "2024-10-21"
`;

test('a target must name an upstream of the file or a built-in provider', (t) => {
  const text = `${UPSTREAMS}routes:
  gpt-4o:
    targets:
      - upstream: azure-east
      - upstream: openai
      - upstream: azure-west
`;
  t.deepEqual(errorsOf(text), [
    'routes.gpt-4o.targets[2].upstream: "azure-west" is neither an upstream of this file nor a provider configured in the environment (gemini, openai, deepseek), line 11',
  ]);
});

test('every fallback, route-level and global, must name a route of the file', (t) => {
  const text = `routes:
  small:
    targets: [{ upstream: openai }]
    fallbacks:
      on_error: [big, huge]
      on_rate_limit: [tiny]
      on_context_window: huge
      on_content_policy: safe
  big:
    targets: [{ upstream: openai }]
fallbacks:
  on_error: [bigger]
`;
  t.deepEqual(errorsOf(text), [
    'routes.small.fallbacks.on_error[1]: names no route of this file: "huge", line 5',
    'routes.small.fallbacks.on_rate_limit[0]: names no route of this file: "tiny", line 6',
    'routes.small.fallbacks.on_context_window: names no route of this file: "huge", line 7',
    'routes.small.fallbacks.on_content_policy: names no route of this file: "safe", line 8',
    'fallbacks.on_error[0]: names no route of this file: "bigger", line 12',
  ]);
});

test('a fallback cycle is refused and shown', (t) => {
  const text = `routes:
  a:
    targets: [{ upstream: openai }]
    fallbacks: { on_error: [b] }
  b:
    targets: [{ upstream: openai }]
    fallbacks: { on_rate_limit: [c] }
  c:
    targets: [{ upstream: openai }]
    fallbacks: { on_context_window: a }
  d:
    targets: [{ upstream: openai }]
    fallbacks: { on_error: [d] }
`;
  t.deepEqual(errorsOf(text), ['routes.a.fallbacks: fallback cycle: a → b → c → a, line 4', 'routes.d.fallbacks: fallback cycle: d → d, line 13']);
});

test('fallback chains without a cycle are accepted', (t) => {
  const text = `routes:
  a:
    targets: [{ upstream: openai }]
    fallbacks: { on_error: [b, c], on_context_window: c }
  b:
    targets: [{ upstream: openai }]
    fallbacks: { on_error: [c] }
  c:
    targets: [{ upstream: openai }]
`;
  t.deepEqual(Object.keys(configOf(text).routes), ['a', 'b', 'c']);
});

test('hedge_after_ms needs at least two targets', (t) => {
  const text = `routes:
  deepseek-chat:
    hedge_after_ms: 800
    targets: [{ upstream: deepseek }]
`;
  t.deepEqual(errorsOf(text), ['routes.deepseek-chat.hedge_after_ms: hedging needs at least two targets, line 3']);
  t.is(configOf(text.replace('[{ upstream: deepseek }]', '[{ upstream: deepseek }, { upstream: openai }]')).routes['deepseek-chat']!.hedge_after_ms, 800);
});

test('azure and openai-compatible upstreams need base_url; only azure takes api_version', (t) => {
  const text = `upstreams:
  az:
    type: azure
  compatible:
    type: openai-compatible
  oa:
    type: openai
    api_version: "2024-10-21"
`;
  t.deepEqual(errorsOf(text), [
    'upstreams.az.base_url: required for type azure, line 2',
    'upstreams.compatible.base_url: required for type openai-compatible, line 4',
    'upstreams.oa.api_version: only azure upstreams take an api_version, line 8',
  ]);
});

test('eject: max_cool_off_ms may not be below cool_off_ms', (t) => {
  const text = 'routes:\n  a:\n    targets: [{ upstream: openai }]\n    eject: { cool_off_ms: 60000, max_cool_off_ms: 1000 }\n';
  t.deepEqual(errorsOf(text), ['routes.a.eject.max_cool_off_ms: must be at least cool_off_ms, line 4']);
});

test('tokens: routes they name must exist, globs are allowed in allowed_groups, tokens are unique', (t) => {
  const text = `routes:
  gpt-4o:
    targets: [{ upstream: openai }]
  gemini-*:
    targets: [{ upstream: gemini }]
tokens:
  - token: team-a-token
    default_model: gemini-2.5-pro
    model_map: { smart: gpt-4o, cheap: gpt-4o-mini }
    allowed_groups: [gpt-4o, "gemini-*", claude]
  - token: team-a-token
    default_model: fast
`;
  t.deepEqual(errorsOf(text), [
    'tokens[0].model_map.cheap: names no route of this file: "gpt-4o-mini", line 9',
    'tokens[0].allowed_groups[2]: names no route of this file: "claude", line 10',
    'tokens[1].token: the same token as tokens[0], line 11',
    'tokens[1].default_model: "fast" is neither an alias of model_map nor a route of this file, line 12',
  ]);
});
