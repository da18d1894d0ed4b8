import test from 'ava';
import { maskSecret, maskSecrets } from '../../../src/config/file/index.js';
import { parseConfig } from './parse-helpers.js';

test('maskSecret keeps the first 3 and last 4 characters of values longer than 12', (t) => {
  t.is(maskSecret('sk-proj-0123456789abcd'), 'sk-…abcd');
  t.is(maskSecret('thirteen-char'), 'thi…char');
  t.is(maskSecret('twelve-chars'), '****');
  t.is(maskSecret(''), '****');
});

test('maskSecrets hides keys, header values, proxy passwords, client tokens and substituted values', (t) => {
  const text = `upstreams:
  reseller:
    type: openai-compatible
    base_url: https://\${RESELLER_HOST}/v1
    api_keys: [sk-live-0123456789abcd, short-key]
    headers: { X-Api-Token: header-secret-0123456789 }
    proxy: http://user:proxy-password-1234@proxy.internal:3128
  local:
    type: ollama
    base_url: http://localhost:11434
    proxy: socks5h://127.0.0.1:1080
routes:
  gpt-4o:
    targets: [{ upstream: reseller }]
tokens:
  - token: team-token-0123456789
    name: team-a
`;
  const parsed = parseConfig(text, { RESELLER_HOST: 'private-reseller.example' });
  if (!parsed.ok) return t.fail();
  const masked = maskSecrets(parsed.config, parsed.secretPaths);
  t.deepEqual(masked.upstreams.reseller, {
    ...parsed.config.upstreams.reseller!,
    base_url: 'htt…e/v1',
    api_keys: ['sk-…abcd', '****'],
    headers: { 'X-Api-Token': 'hea…6789' },
    proxy: 'http://user:pro…1234@proxy.internal:3128',
  });
  t.is(masked.upstreams.local!.proxy, 'socks5h://127.0.0.1:1080');
  t.deepEqual(masked.tokens, [{ token: 'tea…6789', name: 'team-a', model_map: {} }]);
  t.deepEqual(masked.routes, parsed.config.routes);
  // The parsed config itself is left as it was.
  t.deepEqual(parsed.config.upstreams.reseller!.api_keys, ['sk-live-0123456789abcd', 'short-key']);
});
