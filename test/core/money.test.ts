import test from 'ava';
import fc from 'fast-check';
import { nanoToUsd, usdText } from '../../src/core/money.js';

test('the cost header’s text is the nine-decimal USD figure of the nano-dollars', (t) => {
  t.is(usdText(0), '0.000000000');
  t.is(usdText(12_500), '0.000012500');
  t.is(usdText(1_000_000_000), '1.000000000');
  t.is(usdText(123_456_789_012), '123.456789012');
  // Where a double still holds nine decimals of the dollars (far beyond any one call's cost), it is what toFixed
  // prints; past that the whole-number text stays exact and toFixed does not.
  t.is(usdText(8_577_506_499_575_433), '8577506.499575433');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000 * 1_000_000_000 }), (nano) => usdText(nano) === nanoToUsd(nano).toFixed(9)),
    { numRuns: 2000, seed: 20261206 },
  );
});
