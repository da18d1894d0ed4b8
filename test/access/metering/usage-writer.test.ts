import test from 'ava';
import { tokenUsage } from '../../../src/core/usage.js';
import { RedisStatsStore, MemoryStatsStore } from '../../../src/access/stats/stats-store.js';
import { StoreWarning } from '../../../src/access/metering/store-warning.js';
import { countCall, groupTotals } from '../../../src/access/metering/usage-rollup.js';
import { MAX_QUEUED_RECORDS, UsageWriter } from '../../../src/access/metering/usage-writer.js';
import type { RequestRecord, UpstreamErrorRecord } from '../../../src/logging/log-store.js';
import { MemoryLogStore } from '../../../src/logging/memory-log-store.js';
import { RedisLogStore } from '../../../src/logging/redis-log-store.js';
import { createRedisClient, readyWithin } from '../../../src/storage/redis-client.js';
import { capturedLogger } from '../../helpers/logger.js';
import { OwnRedisServer, uniquePrefix } from '../../helpers/redis.js';
import { waitFor } from '../../helpers/wait.js';

const BASE = Date.parse('2026-11-22T14:30:00Z');
const LIMITS = { retentionMs: 86_400_000 * 3650, maxRecords: 100_000 };
/** Long enough that only the test's own flushes write. */
const NO_TIMER = 3_600_000;

const request = (index: number): RequestRecord => ({
  time: BASE + index,
  requestId: `r${index}`,
  clientId: 'ck_1',
  clientName: 'alice',
  clientHint: 'sk-gw-…test',
  model: 'gpt-4o',
  provider: 'openai',
  upstreamKey: 'openai/aaaa',
  endpoint: 'chat',
  stream: false,
  status: 200,
  latencyMs: 5,
  promptTokens: 1,
  completionTokens: 1,
  totalTokens: 2,
  reasoningTokens: 0,
  cachedTokens: 0,
  estimated: false,
  attempts: 1,
  error: null,
});

const upstreamError = (index: number): UpstreamErrorRecord => ({
  time: BASE + index,
  requestId: `r${index}`,
  clientName: 'alice',
  provider: 'openai',
  model: 'gpt-4o',
  upstreamKey: 'bbbb',
  status: 429,
  code: 'rate_limit_exceeded',
  message: 'slow down',
});

/** Queues call `index`: its record, one upstream error and its count in minute 14:30. */
function queueCall(writer: UsageWriter, index: number): void {
  countCall(groupTotals(writer.minute('202611221430').calls, 'ck_1', 'gpt-4o', 'openai', 'openai/aaaa'), false, tokenUsage({ prompt: 1, completion: 1 }), 0);
  writer.queue(request(index), [upstreamError(index)]);
}

const requestIds = async (logs: MemoryLogStore | RedisLogStore) => (await logs.requests({ limit: 1000 })).records.map((record) => record.requestId);

test('a write that fails while Redis is down is kept and written, in order and counted once, when Redis is back; warned once', async (t) => {
  const server = await OwnRedisServer.start();
  const redis = createRedisClient(server.url);
  t.teardown(async () => {
    redis.disconnect();
    await server.stop();
  });
  await readyWithin(redis, 3000);
  const prefix = uniquePrefix();
  const stats = new RedisStatsStore(redis, prefix);
  const logs = new RedisLogStore(redis, prefix, LIMITS);
  const { logger, lines } = capturedLogger();
  const writer = new UsageWriter({ stats, logs, warning: new StoreWarning(logger), flushIntervalMs: NO_TIMER });

  await server.stop();
  await waitFor(() => redis.status !== 'ready', 'the client seeing Redis gone');
  queueCall(writer, 1);
  await writer.flush();
  queueCall(writer, 2);
  await writer.flush();
  t.is(lines.length, 1, 'one warning for the whole outage so far');
  // The three writes fail together; whichever is refused first is the one the warning names.
  t.like(lines[0], { level: 'warn' });
  t.regex(String(lines[0]?.msg), /^usage store failed while writing (usage statistics|the request log|the error log)$/);

  await server.start();
  await waitFor(() => redis.status === 'ready', 'the client reconnecting');
  queueCall(writer, 3);
  await writer.flush();
  t.deepEqual(await requestIds(logs), ['r3', 'r2', 'r1']);
  t.deepEqual((await logs.errors({ limit: 1000 })).records.map((record) => record.requestId), ['r3', 'r2', 'r1']);
  const minute = await stats.read('minute', ['202611221430']);
  t.is(minute.get('c|ck_1|req'), 3);
  t.is(minute.get('u|openai/aaaa|tt'), 6);
  t.is((await stats.read('month', ['202611'])).get('m|gpt-4o|req'), 3);

  await writer.flush();
  t.is((await stats.read('minute', ['202611221430'])).get('c|ck_1|req'), 3, 'nothing is written twice');
  t.is((await requestIds(logs)).length, 3);
  await writer.close();
});

test('the queue keeps the newest MAX_QUEUED_RECORDS requests and errors, dropping the oldest', async (t) => {
  const logs = new MemoryLogStore(LIMITS);
  const writer = new UsageWriter({ stats: new MemoryStatsStore(), logs, warning: new StoreWarning(capturedLogger().logger), flushIntervalMs: NO_TIMER });
  const extra = 5;
  for (let index = 0; index < MAX_QUEUED_RECORDS + extra; index++) writer.queue(request(index), [upstreamError(index)]);
  await writer.close();
  t.deepEqual((await logs.requests({ to: BASE + extra, limit: 10 })).records, [], 'the oldest are gone');
  t.deepEqual((await logs.requests({ from: BASE + extra, to: BASE + extra + 1, limit: 10 })).records.map((record) => record.requestId), [`r${extra}`]);
  t.deepEqual((await logs.errors({ to: BASE + extra, limit: 10 })).records, []);
  t.deepEqual((await logs.errors({ from: BASE + extra, to: BASE + extra + 1, limit: 10 })).records.map((record) => record.requestId), [`r${extra}`]);
  t.is((await logs.requests({ limit: 1 })).records[0]?.requestId, `r${MAX_QUEUED_RECORDS + extra - 1}`);
});

test('queued usage is written within about a second without anyone flushing, and close writes the rest', async (t) => {
  const logs = new MemoryLogStore(LIMITS);
  const stats = new MemoryStatsStore();
  const writer = new UsageWriter({ stats, logs, warning: new StoreWarning(capturedLogger().logger) });
  queueCall(writer, 1);
  t.deepEqual(await requestIds(logs), [], 'not written on the request path');
  await waitFor(async () => (await requestIds(logs)).length === 1, 'the timed flush', 2500);
  t.is((await stats.read('minute', ['202611221430'])).get('c|ck_1|req'), 1);

  queueCall(writer, 2);
  await writer.close();
  t.deepEqual(await requestIds(logs), ['r2', 'r1']);
  t.is((await stats.read('minute', ['202611221430'])).get('c|ck_1|req'), 2);
});
