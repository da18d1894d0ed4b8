import test from 'ava';
import { maskDocument, maskSecret, maskSecrets, restoreMaskedSecrets } from '../../../src/config/file/index.js';
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

test('a document as written shows its environment references and masks its literal secrets', (t) => {
  const document = {
    upstreams: {
      east: { type: 'openai', api_keys: ['${EAST_KEY}', 'sk-literal-key-000000000001'], headers: { 'x-org': 'org-secret-value-0001' }, proxy: 'http://user:proxy-password-01@proxy.example:3128' },
      west: { type: 'openai', api_keys: ['os.environ/WEST_KEY'] },
    },
    tokens: [{ token: 'sk-token-literal-00000000001', name: 'team' }],
  };
  t.deepEqual(maskDocument(document), {
    upstreams: {
      east: { type: 'openai', api_keys: ['${EAST_KEY}', 'sk-…0001'], headers: { 'x-org': 'org…0001' }, proxy: 'http://user:pro…d-01@proxy.example:3128' },
      west: { type: 'openai', api_keys: ['os.environ/WEST_KEY'] },
    },
    tokens: [{ token: 'sk-…0001', name: 'team' }],
  });
});

test('a masked document sent back gets its secrets again; a new secret is taken as written; a mask that matches nothing is a mistake', (t) => {
  const current = {
    upstreams: { east: { type: 'openai', api_keys: ['sk-east-key-one-000000000001', 'sk-east-key-two-000000000002'], headers: { 'x-org': 'short' } } },
    tokens: [{ token: 'sk-token-one-0000000000001' }, { token: 'sk-token-two-0000000000002' }],
  };
  const edited = maskDocument(current) as typeof current;
  edited.upstreams.east.api_keys = [edited.upstreams.east.api_keys[1]!, 'sk-brand-new-key-00000000003'];
  edited.tokens.reverse();
  const restored = restoreMaskedSecrets(edited, current);
  t.deepEqual(restored.errors, []);
  t.deepEqual(restored.document, {
    upstreams: { east: { type: 'openai', api_keys: ['sk-east-key-two-000000000002', 'sk-brand-new-key-00000000003'], headers: { 'x-org': 'short' } } },
    tokens: [{ token: 'sk-token-two-0000000000002' }, { token: 'sk-token-one-0000000000001' }],
  });

  const moved = { upstreams: { west: { type: 'openai', api_keys: ['sk-…0001'] } } };
  const refused = restoreMaskedSecrets(moved, current);
  t.deepEqual(refused.errors.map((error) => error.path), ['upstreams.west.api_keys[0]'], 'a masked key is only restored from the same upstream');
});
