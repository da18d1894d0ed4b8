import test from 'ava';
import { MemoryLogStore } from '../../src/logging/memory-log-store.js';
import { logStoreContract, readAllPages, requestRecord, t0 } from './log-store-contract.js';

logStoreContract('memory', async (options) => new MemoryLogStore(options));

const requestIds = (records: readonly { requestId: string }[]) => records.map((record) => record.requestId);

test('memory: each log keeps exactly the newest maxRecords', async (t) => {
  const store = new MemoryLogStore({ retentionMs: 86_400_000, maxRecords: 100 });
  for (let index = 0; index < 250; index++) await store.appendRequests([requestRecord(index)]);
  const { records } = await readAllPages((cursor) => store.requests({ limit: 30, cursor }));
  t.deepEqual(requestIds(records), Array.from({ length: 100 }, (_, index) => `req-${249 - index}`));
});

test('memory: pruning and appending after the ring wrapped around keep id order and the bound', async (t) => {
  const store = new MemoryLogStore({ retentionMs: 4500, maxRecords: 5 });
  await store.appendRequests(Array.from({ length: 8 }, (_, index) => requestRecord(index)));
  t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['req-7', 'req-6', 'req-5', 'req-4', 'req-3']);
  await store.prune(t0 + 9000);
  t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['req-7', 'req-6', 'req-5']);
  await store.appendRequests(Array.from({ length: 4 }, (_, index) => requestRecord(8 + index)));
  const { records } = await readAllPages((cursor) => store.requests({ limit: 2, cursor }));
  t.deepEqual(requestIds(records), ['req-11', 'req-10', 'req-9', 'req-8', 'req-7']);
  t.deepEqual(requestIds((await store.requests({ limit: 10, from: t0 + 8000, to: t0 + 10_000 })).records), ['req-9', 'req-8']);
});

test('memory: records are copied out, so a reader changing what it got does not change the log', async (t) => {
  const store = new MemoryLogStore({ retentionMs: 86_400_000, maxRecords: 10 });
  await store.appendRequests([requestRecord(0)]);
  const [read] = (await store.requests({ limit: 1 })).records;
  read!.status = 599;
  t.is((await store.requests({ limit: 1 })).records[0]!.status, 200);
});

test('memory: maxRecords must be a positive integer', (t) => {
  t.throws(() => new MemoryLogStore({ retentionMs: 1000, maxRecords: 0 }), { instanceOf: RangeError });
});
