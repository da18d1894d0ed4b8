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
