import test from 'ava';
import { AuthThrottle } from '../../../src/access/identity/auth-throttle.js';

test('failures are free at first, then delayed more and more, then the address is locked out', (t) => {
  let now = 1_000_000;
  const throttle = new AuthThrottle(6, 60_000, () => now);
  const delays = Array.from({ length: 6 }, () => throttle.failed('10.0.0.1'));
  t.deepEqual(delays, [0, 0, 0, 100, 200, 400]);
  t.is(throttle.lockedFor('10.0.0.1'), 60_000);
  t.is(throttle.lockedFor('10.0.0.2'), 0, 'other addresses are not affected');
  now += 30_000;
  t.is(throttle.lockedFor('10.0.0.1'), 30_000);
  now += 30_001;
  t.is(throttle.lockedFor('10.0.0.1'), 0);
});

test('the delay is capped, and an address quiet for the lockout period starts afresh', (t) => {
  let now = 0;
  const throttle = new AuthThrottle(1000, 60_000, () => now);
  let delay = 0;
  for (let attempt = 0; attempt < 20; attempt++) delay = throttle.failed('a');
  t.is(delay, 2_000);
  now += 60_001;
  t.is(throttle.failed('a'), 0);
});

test('an attack from very many addresses does not grow memory without bound', (t) => {
  const throttle = new AuthThrottle(5, 60_000, () => 0);
  for (let address = 0; address < 25_000; address++) throttle.failed(`addr-${address}`);
  t.true((throttle as unknown as { records: Map<string, unknown> }).records.size <= 10_000);
});
