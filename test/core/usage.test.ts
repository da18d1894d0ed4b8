import test from 'ava';
import { NO_USAGE, tokenUsage } from '../../src/core/usage.js';

test('parts are whole, non-negative and never more than the total they belong to', (t) => {
  t.deepEqual(tokenUsage({ prompt: 100, completion: 50, cached: 30, cacheWrite: 20, reasoning: 10, searches: 1 }), {
    ...NO_USAGE,
    prompt: 100,
    completion: 50,
    total: 150,
    cached: 30,
    cacheWrite: 20,
    reasoning: 10,
    searches: 1,
  });
  // An upstream reporting more cached tokens than prompt tokens must not make plain input negative.
  const capped = tokenUsage({ prompt: 10, completion: 5, cached: 8, cacheWrite: 8, reasoning: 9, audioOutput: 2 });
  t.like(capped, { cached: 8, cacheWrite: 2, reasoning: 5, audioOutput: 0 });
  t.like(tokenUsage({ prompt: -3, completion: 2.6, cached: Number.NaN }), { prompt: 0, completion: 3, total: 3, cached: 0 });
  t.is(tokenUsage({ prompt: 1, completion: 1, total: 7 }).total, 7, 'a reported total above the sum is kept');
  t.is(tokenUsage({ prompt: 5, completion: 5, total: 3 }).total, 10, 'never below prompt + completion');
});
