import test from 'ava';
import { restartDelayMs } from '../../src/process/primary.js';

test('a worker that ran a while is replaced at once; workers dying young wait longer each time, up to 30 s', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 7, 8, 20].map(restartDelayMs), [0, 500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
});
