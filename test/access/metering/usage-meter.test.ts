import test from 'ava';
import { tokenUsage } from '../../../src/core/usage.js';
import { MemoryLimitStore } from '../../../src/access/limits/memory-limit-store.js';
import { WindowClock } from '../../../src/access/limits/time-windows.js';
import { UsageMeter, type MeteredCall } from '../../../src/access/metering/usage-meter.js';
import { MemoryStatsStore } from '../../../src/access/stats/stats-store.js';
import { MemoryLogStore } from '../../../src/logging/memory-log-store.js';
import { clientCaller } from '../../helpers/callers.js';
import { capturedLogger } from '../../helpers/logger.js';

test('a client call admitted, finished after a failed attempt and closed: tokens settled, call logged with its failure, counted', async (t) => {
  const limits = new MemoryLimitStore();
  const stats = new MemoryStatsStore();
  const logs = new MemoryLogStore({ retentionMs: 86_400_000, maxRecords: 100 });
  const clock = new WindowClock('UTC');
  const meter = new UsageMeter({ limits, stats, logs, clock, logger: capturedLogger().logger, staleAfterMs: 60_000, flushIntervalMs: 3_600_000 });
  const caller = clientCaller({ tokensTotal: 1000 });
  const call: MeteredCall = { caller, requestId: 'req-1', endpoint: 'chat', model: 'gpt-4o', provider: 'openai', stream: false, startedAt: Date.now() };
  await meter.admit(call);
  t.is(typeof call.ticket, 'string');
  call.usage = tokenUsage({ prompt: 7, completion: 3, cached: 1, cacheWrite: 2, cacheWriteLong: 3, searches: 1 });
  meter.finish(call, {
    status: 200,
    error: null,
    upstreamKey: 'aaaa',
    attempts: 2,
    failures: [{ provider: 'openai', model: 'gpt-4o', keyId: 'bbbb', status: 429, code: 'rate_limit_exceeded', message: 'slow down' }],
  });
  await meter.close();

  t.like(await limits.counters(caller.id, clock.windows()), { requestsTotal: 1, tokensTotal: 10, inFlight: 0 });
  const [record] = (await logs.requests({ limit: 10 })).records;
  t.like(record, { requestId: 'req-1', clientId: caller.id, upstreamKey: 'openai/aaaa', status: 200, attempts: 2, totalTokens: 10, estimated: false });
  t.like(record, { cachedTokens: 1, cacheWriteTokens: 2, cacheWriteLongTokens: 3, searches: 1 });
  t.deepEqual(
    (await logs.errors({ limit: 10 })).records.map(({ requestId, upstreamKey, status }) => ({ requestId, upstreamKey, status })),
    [{ requestId: 'req-1', upstreamKey: 'bbbb', status: 429 }],
  );
  const minute = await stats.read('minute', [clock.windows().minute]);
  t.is(minute.get(`c|${caller.id}|tt`), 10);
  t.is(minute.get('u|openai/aaaa|req'), 1);
  t.is(minute.get('u|openai/bbbb|s429'), 1);
});

test('with no reported usage the estimate is metered and marked as such', async (t) => {
  const logs = new MemoryLogStore({ retentionMs: 86_400_000, maxRecords: 100 });
  const meter = new UsageMeter({ limits: new MemoryLimitStore(), stats: new MemoryStatsStore(), logs, clock: new WindowClock('UTC'), logger: capturedLogger().logger, staleAfterMs: 60_000 });
  const call: MeteredCall = { caller: clientCaller(), requestId: 'req-2', endpoint: 'chat', model: 'gpt-4o', provider: 'openai', stream: true, startedAt: Date.now() };
  call.estimate = () => tokenUsage({ prompt: 4, completion: 2, estimated: true });
  meter.finish(call, { status: 200, error: null, upstreamKey: undefined, attempts: 1, failures: [] });
  await meter.close();
  t.like((await logs.requests({ limit: 1 })).records[0], { requestId: 'req-2', upstreamKey: null, totalTokens: 6, estimated: true });
});
