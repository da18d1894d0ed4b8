import test from 'ava';
import { estimateTokens } from '../../src/core/token-estimate.js';

test('estimates: about four ASCII characters a token, a token per CJK character', (t) => {
  t.is(estimateTokens('abcdefgh'), 2);
  t.is(estimateTokens('你好世界'), 4);
  t.is(estimateTokens(''), 0);
});
