import test from 'ava';
import { parseConfig, errorsOf } from './parse-helpers.js';

const TEXT = `upstreams:
  reseller:
    type: openai-compatible
    base_url: https://\${RESELLER_HOST}/v1
    api_keys:
      - \${RESELLER_KEY}
      - os.environ/RESELLER_KEY_2
      - literal-key-0123456789
    headers:
      X-Account: acct-\${ACCOUNT_ID}-\${REGION}
`;

test('${NAME} anywhere in a string and os.environ/NAME as a whole value take the environment value', (t) => {
  const parsed = parseConfig(TEXT, { RESELLER_HOST: 'api.reseller.example', RESELLER_KEY: 'sk-one', RESELLER_KEY_2: 'sk-two', ACCOUNT_ID: '42', REGION: 'eu' });
  if (!parsed.ok) return t.fail(parsed.errors.map((error) => error.message).join('\n'));
  const upstream = parsed.config.upstreams.reseller!;
  t.is(upstream.base_url, 'https://api.reseller.example/v1');
  t.deepEqual(upstream.api_keys, ['sk-one', 'sk-two', 'literal-key-0123456789']);
  t.deepEqual(upstream.headers, { 'X-Account': 'acct-42-eu' });
  t.deepEqual(parsed.secretPaths, [
    'upstreams.reseller.base_url',
    'upstreams.reseller.api_keys[0]',
    'upstreams.reseller.api_keys[1]',
    'upstreams.reseller.headers.X-Account',
  ]);
});

test('os.environ/ is only a reference as the whole value', (t) => {
  const parsed = parseConfig('upstreams:\n  r:\n    type: openai\n    headers: { X-Note: see os.environ/HOME }\n', { HOME: '/root' });
  if (!parsed.ok) return t.fail();
  t.deepEqual(parsed.config.upstreams.r!.headers, { 'X-Note': 'see os.environ/HOME' });
  t.deepEqual(parsed.secretPaths, []);
});

test('a missing variable is an error naming the variable, the path and the line', (t) => {
  t.deepEqual(errorsOf(TEXT, { RESELLER_HOST: 'api.reseller.example', REGION: 'eu' }), [
    'upstreams.reseller.api_keys[0]: environment variable RESELLER_KEY is not set, line 6',
    'upstreams.reseller.api_keys[1]: environment variable RESELLER_KEY_2 is not set, line 7',
    'upstreams.reseller.headers.X-Account: environment variable ACCOUNT_ID is not set, line 10',
  ]);
});

test('a variable set to an empty string is substituted, and then refused where a value is required', (t) => {
  t.deepEqual(errorsOf('upstreams:\n  r:\n    type: openai\n    api_keys: [os.environ/EMPTY_KEY]\n', { EMPTY_KEY: '' }), [
    'upstreams.r.api_keys[0]: must not be empty, line 4',
  ]);
});
