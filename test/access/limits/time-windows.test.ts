import test from 'ava';
import { assertTimeZone, WindowClock } from '../../../src/access/limits/time-windows.js';

const at = (iso: string) => Date.parse(iso);

test('window ids and time to the next minute, day and month, in UTC', (t) => {
  const windows = new WindowClock('UTC').windows(at('2026-11-22T14:30:15Z'));
  t.deepEqual(windows, {
    minute: '202611221430',
    hour: '2026112214',
    day: '20261122',
    month: '202611',
    secondsToNextMinute: 45,
    secondsToNextDay: 9 * 3600 + 29 * 60 + 45,
    secondsToNextMonth: 8 * 86_400 + 9 * 3600 + 29 * 60 + 45,
  });
});

test('the day turns at local midnight in the configured time zone', (t) => {
  const clock = new WindowClock('Asia/Shanghai');
  // 16:30 UTC is 00:30 the next day in Shanghai (UTC+8).
  const windows = clock.windows(at('2026-11-22T16:30:00Z'));
  t.is(windows.day, '20261123');
  t.is(windows.minute, '202611230030');
  t.is(windows.secondsToNextDay, 23 * 3600 + 30 * 60);
  // India is UTC+5:30: its hours start at half past UTC hours.
  t.is(new WindowClock('Asia/Kolkata').windows(at('2026-11-22T14:45:00Z')).hour, '2026112220');
});

test('the last day of a month and of a year roll over', (t) => {
  const clock = new WindowClock('UTC');
  const windows = clock.windows(at('2026-12-31T23:59:30Z'));
  t.is(windows.secondsToNextMinute, 30);
  t.is(windows.secondsToNextDay, 30);
  t.is(windows.secondsToNextMonth, 30);
  t.is(clock.windows(at('2027-01-01T00:00:00Z')).month, '202701');
});

test('windows asked again within a second are the same; the next second, and the next minute, are new', (t) => {
  const clock = new WindowClock('UTC');
  const first = clock.windows(at('2026-11-22T14:30:58.100Z'));
  t.is(clock.windows(at('2026-11-22T14:30:58.900Z')), first);
  t.is(clock.windows(at('2026-11-22T14:30:59.000Z')).secondsToNextMinute, 1);
  const next = clock.windows(at('2026-11-22T14:31:00.000Z'));
  t.is(next.minute, '202611221431');
  t.is(next.secondsToNextMinute, 60);
  // Going back in time (a test clock, a clock step) is answered for the instant asked, not from the cache.
  t.is(clock.windows(at('2026-11-22T14:30:58.500Z')).minute, '202611221430');
});

test('recent windows, newest first, across month and year boundaries', (t) => {
  const clock = new WindowClock('UTC', () => at('2027-01-01T00:01:10Z'));
  t.deepEqual(clock.recent('minute', 3), ['202701010001', '202701010000', '202612312359']);
  t.deepEqual(clock.recent('hour', 2), ['2027010100', '2026123123']);
  t.deepEqual(clock.recent('day', 2), ['20270101', '20261231']);
  t.deepEqual(clock.recent('month', 3), ['202701', '202612', '202611']);
});

test('a daylight-saving day in New York still yields one id per hour', (t) => {
  // 2026-03-08: clocks jump from 02:00 to 03:00 local time.
  const clock = new WindowClock('America/New_York', () => at('2026-03-08T08:30:00Z'));
  const hours = clock.recent('hour', 4);
  t.deepEqual(hours, ['2026030804', '2026030803', '2026030801', '2026030800']);
});

test('unknown time zones are refused', (t) => {
  t.throws(() => assertTimeZone('Mars/Olympus_Mons'), { instanceOf: RangeError });
  t.notThrows(() => assertTimeZone('Europe/Berlin'));
});
