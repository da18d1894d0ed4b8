import test from 'ava';
import { STORE_WARNING_INTERVAL_MS, StoreWarning } from '../../../src/access/metering/store-warning.js';
import { capturedLogger } from '../../helpers/logger.js';

test('a failing store is reported at most once every ten seconds, whatever failed, with the error message', (t) => {
  const { logger, lines } = capturedLogger();
  let now = 1_000_000;
  const warning = new StoreWarning(logger, () => now);
  warning.warn('writing the request log', new Error('connection refused'));
  now += STORE_WARNING_INTERVAL_MS - 1;
  warning.warn('writing usage statistics', new Error('connection refused'));
  warning.warn('settling a call’s tokens', 'not an Error');
  now += 1;
  warning.warn('settling a call’s tokens', 'not an Error');
  t.deepEqual(
    lines.map(({ level, msg, error }) => ({ level, msg, error })),
    [
      { level: 'warn', msg: 'usage store failed while writing the request log', error: 'connection refused' },
      { level: 'warn', msg: 'usage store failed while settling a call’s tokens', error: 'not an Error' },
    ],
  );
});
