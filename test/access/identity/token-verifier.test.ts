import test from 'ava';
import { bearerToken, secretFingerprint, TokenVerifier } from '../../../src/access/identity/token-verifier.js';

test('verifies configured tokens and tells the admin apart', (t) => {
  const verifier = new TokenVerifier(['sk-a', 'sk-b', 'sk-admin'], 'sk-admin');
  t.false(verifier.isOpen);
  t.false(verifier.verify('sk-a')?.isAdmin);
  t.true(verifier.verify('sk-admin')?.isAdmin);
  t.is(verifier.verify('sk-c'), undefined);
  t.is(verifier.verify(''), undefined);
  t.is(verifier.verify('sk-a')?.hash.slice(0, 8), secretFingerprint('sk-a'));
  t.is(verifier.verify('sk-a'), verifier.verify(['sk', 'a'].join('-')), 'the same object for the same token, however its string was made');
  t.is(verifier.verify('sk-a '), undefined);
  t.is(verifier.verify('SK-A'), undefined);
});

test('no tokens means open', (t) => {
  t.true(new TokenVerifier([], undefined).isOpen);
});

test('bearer tokens are read case-insensitively; other schemes are not tokens', (t) => {
  t.is(bearerToken('Bearer sk-1'), 'sk-1');
  t.is(bearerToken('bearer   sk-1 '), 'sk-1');
  t.is(bearerToken('Basic abc'), undefined);
  t.is(bearerToken(''), undefined);
  t.is(bearerToken(undefined), undefined);
});

test('the usual header and the unusual ones give the token the pattern gives', (t) => {
  const cases: [string, string | undefined][] = [
    ['Bearer sk-abc', 'sk-abc'],
    ['Bearer sk abc', 'sk abc'],
    ['Bearer  sk-abc', 'sk-abc'],
    ['Bearer\tsk-abc', 'sk-abc'],
    [' Bearer sk-abc', 'sk-abc'],
    ['Bearer sk-abc\u00a0', 'sk-abc'],
    ['Bearer \u00a0sk-abc', 'sk-abc'],
    ['BEARER sk-abc', 'sk-abc'],
    ['Bearer ', undefined],
    ['Bearer', undefined],
    ['Bearersk-abc', undefined],
  ];
  for (const [header, token] of cases) t.is(bearerToken(header), token, JSON.stringify(header));
});
