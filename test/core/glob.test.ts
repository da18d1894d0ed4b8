import test from 'ava';
import { compileGlob } from '../../src/core/glob.js';

test('in model globs * matches any run of characters, ? one, and everything else only itself', (t) => {
  t.true(compileGlob('gpt-4*')('gpt-4o'));
  t.false(compileGlob('gpt-4*')('gpt-3.5'));
  t.true(compileGlob('claude-?-opus')('claude-3-opus'));
  t.false(compileGlob('claude-?-opus')('claude-35-opus'));
  t.false(compileGlob('gpt-4*')('my-gpt-4o'), 'the whole name must match');
  t.true(compileGlob('a.b')('a.b'));
  t.false(compileGlob('a.b')('axb'));
  t.true(compileGlob('org/*')('org/model.v1'));
});
