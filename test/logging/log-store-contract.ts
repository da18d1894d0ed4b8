import test, { type ExecutionContext } from 'ava';
import { GatewayError } from '../../src/core/errors.js';
import type { ErrorLogQuery, LogPage, LogStore, RequestLogQuery, RequestRecord, UpstreamErrorRecord } from '../../src/logging/log-store.js';

export interface LogStoreOptions {
  retentionMs: number;
  maxRecords: number;
}

export const t0 = 1_800_000_000_000;
const DAY = 86_400_000;

export function requestRecord(index: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: t0 + index * 1000,
    requestId: `req-${index}`,
    clientId: 'ck_alpha',
    clientName: 'alpha',
    clientHint: 'a1b2',
    model: 'gpt-4o-mini',
    provider: 'openai',
    upstreamKey: '0123456789abcdef',
    endpoint: 'chat',
    stream: false,
    status: 200,
    latencyMs: 120,
    promptTokens: 10,
    completionTokens: 5,
    totalTokens: 15,
    reasoningTokens: 0,
    cachedTokens: 0,
    estimated: false,
    attempts: 1,
    error: null,
    ...overrides,
  };
}

export function errorRecord(index: number, overrides: Partial<UpstreamErrorRecord> = {}): UpstreamErrorRecord {
  return {
    time: t0 + index * 1000,
    requestId: `req-${index}`,
    clientName: 'alpha',
    provider: 'openai',
    model: 'gpt-4o-mini',
    upstreamKey: '0123456789abcdef',
    status: 429,
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached',
    ...overrides,
  };
}

const withoutId = <T>({ id: _id, ...record }: T & { id: string }): T => record as T;

/** Every page of a query, following `next` until it is absent; fails the test if pages never end. */
export async function readAllPages<T>(
  read: (cursor: string | undefined) => Promise<LogPage<T>>,
): Promise<{ pages: LogPage<T>[]; records: (T & { id: string })[] }> {
  const pages: LogPage<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    pages.push(page);
    cursor = page.next;
    if (pages.length > 10_000) throw new Error('pagination does not end');
  } while (cursor !== undefined);
  return { pages, records: pages.flatMap((page) => page.records) };
}

const allRequests = (store: LogStore, query: Omit<RequestLogQuery, 'cursor'>) => readAllPages((cursor) => store.requests({ ...query, cursor }));
const allErrors = (store: LogStore, query: Omit<ErrorLogQuery, 'cursor'>) => readAllPages((cursor) => store.errors({ ...query, cursor }));

const requestIds = (records: readonly { requestId: string }[]) => records.map((record) => record.requestId);
const newestFirst = <T>(records: readonly T[]) => [...records].reverse();

/** A varied request log: 2 clients, 3 models (one null), 2 providers, 4 statuses. */
function variedRequests(count: number): RequestRecord[] {
  const statuses = [200, 429, 500, 302];
  const models = ['gpt-4o-mini', 'gemini-2.0-flash', null];
  return Array.from({ length: count }, (_, index) =>
    requestRecord(index, {
      clientId: index % 2 === 0 ? 'ck_alpha' : 'ck_beta',
      model: models[index % 3]!,
      provider: index % 5 < 2 ? 'gemini' : 'openai',
      status: statuses[index % 4]!,
    }),
  );
}

/**
 * The behaviour every log store must have. Run against the memory store and the Redis store, so the two stay
 * interchangeable.
 */
export function logStoreContract(name: string, open: (options: LogStoreOptions) => Promise<LogStore>): void {
  const defaults: LogStoreOptions = { retentionMs: 30 * DAY, maxRecords: 10_000 };

  const withStore = (title: string, body: (t: ExecutionContext, store: LogStore) => Promise<void>, options: Partial<LogStoreOptions> = {}) =>
    test(`${name}: ${title}`, async (t) => body(t, await open({ ...defaults, ...options })));

  withStore('requests read back newest first, every field intact, with ids that follow the times', async (t, store) => {
    const records = [
      requestRecord(0),
      requestRecord(1, {
        clientId: 'env:1a2b3c4d',
        model: null,
        provider: null,
        upstreamKey: null,
        endpoint: 'embeddings',
        stream: true,
        status: 502,
        estimated: true,
        attempts: 3,
        error: 'upstream unreachable',
      }),
      requestRecord(2, {
        requestExcerpt: '[user] hello',
        responseExcerpt: 'Hi there',
        reasoningTokens: 7,
        cachedTokens: 3,
        cacheWriteTokens: 5,
        cacheWriteLongTokens: 6,
        searches: 2,
        latencyMs: 4567,
      }),
    ];
    await store.appendRequests(records.slice(0, 1));
    await store.appendRequests(records.slice(1));
    const page = await store.requests({ limit: 10 });
    t.deepEqual(page.records.map(withoutId), newestFirst(records));
    t.is(page.next, undefined);
    t.true(page.records.every((record) => record.id.startsWith(`${record.time}-`)), page.records.map((record) => record.id).join(' '));
    t.is(new Set(page.records.map((record) => record.id)).size, 3);
  });

  withStore('errors read back newest first, every field intact', async (t, store) => {
    const records = [
      errorRecord(0),
      errorRecord(1, { upstreamKey: null, model: null, code: null, status: 503, message: 'overloaded' }),
      errorRecord(2, { provider: 'gemini' }),
    ];
    await store.appendErrors(records);
    const page = await store.errors({ limit: 10 });
    t.deepEqual(page.records.map(withoutId), newestFirst(records));
    t.is(page.next, undefined);
  });

  withStore('appending nothing is fine', async (t, store) => {
    await store.appendRequests([]);
    await store.appendErrors([]);
    t.deepEqual(await store.requests({ limit: 10 }), { records: [] });
    t.deepEqual(await store.errors({ limit: 10 }), { records: [] });
  });

  withStore('each request filter alone and combined', async (t, store) => {
    const records = variedRequests(60);
    await store.appendRequests(records);
    const cases: [RequestLogQuery, (record: RequestRecord) => boolean][] = [
      [{ limit: 1000, clientId: 'ck_beta' }, (record) => record.clientId === 'ck_beta'],
      [{ limit: 1000, model: 'gemini-2.0-flash' }, (record) => record.model === 'gemini-2.0-flash'],
      [{ limit: 1000, provider: 'gemini' }, (record) => record.provider === 'gemini'],
      [{ limit: 1000, status: 429 }, (record) => record.status === 429],
      [{ limit: 1000, status: 'error' }, (record) => record.status >= 400],
      [{ limit: 1000, status: 'success' }, (record) => record.status < 400],
      [
        { limit: 1000, clientId: 'ck_alpha', provider: 'openai', status: 'error' },
        (record) => record.clientId === 'ck_alpha' && record.provider === 'openai' && record.status >= 400,
      ],
      [
        { limit: 1000, clientId: 'ck_beta', model: 'gpt-4o-mini', provider: 'openai', status: 302 },
        (record) => record.clientId === 'ck_beta' && record.model === 'gpt-4o-mini' && record.provider === 'openai' && record.status === 302,
      ],
    ];
    for (const [query, predicate] of cases) {
      const expected = newestFirst(records.filter(predicate));
      t.true(expected.length > 0 && expected.length < records.length, `the case ${JSON.stringify(query)} must tell matches from the rest`);
      const page = await store.requests(query);
      t.deepEqual(requestIds(page.records), requestIds(expected), JSON.stringify(query));
    }
    t.deepEqual((await store.requests({ limit: 1000, clientId: 'ck_nobody' })).records, []);
    t.deepEqual((await store.requests({ limit: 1000, status: 418 })).records, []);
  });

  withStore('each error filter alone and combined', async (t, store) => {
    const records = Array.from({ length: 30 }, (_, index) =>
      errorRecord(index, {
        provider: index % 3 === 0 ? 'gemini' : 'openai',
        upstreamKey: index % 4 === 0 ? null : `key-${index % 2}`,
        status: index % 5 === 0 ? 500 : 429,
      }),
    );
    await store.appendErrors(records);
    const cases: [ErrorLogQuery, (record: UpstreamErrorRecord) => boolean][] = [
      [{ limit: 1000, provider: 'gemini' }, (record) => record.provider === 'gemini'],
      [{ limit: 1000, upstreamKey: 'key-1' }, (record) => record.upstreamKey === 'key-1'],
      [{ limit: 1000, status: 500 }, (record) => record.status === 500],
      [
        { limit: 1000, provider: 'openai', upstreamKey: 'key-1', status: 429 },
        (record) => record.provider === 'openai' && record.upstreamKey === 'key-1' && record.status === 429,
      ],
      [
        { limit: 1000, from: t0 + 5000, to: t0 + 20_000, status: 429 },
        (record) => record.time >= t0 + 5000 && record.time < t0 + 20_000 && record.status === 429,
      ],
    ];
    for (const [query, predicate] of cases) {
      const expected = newestFirst(records.filter(predicate));
      t.true(expected.length > 0 && expected.length < records.length, `the case ${JSON.stringify(query)} must tell matches from the rest`);
      t.deepEqual(requestIds((await store.errors(query)).records), requestIds(expected), JSON.stringify(query));
    }
  });

  withStore('from is inclusive and to exclusive, on the record time', async (t, store) => {
    const records = Array.from({ length: 10 }, (_, index) => requestRecord(index));
    await store.appendRequests(records);
    const ids = async (query: Omit<RequestLogQuery, 'limit'>) => requestIds((await store.requests({ limit: 1000, ...query })).records);
    t.deepEqual(await ids({ from: t0 + 3000, to: t0 + 6000 }), ['req-5', 'req-4', 'req-3']);
    t.deepEqual(await ids({ from: t0 + 2500, to: t0 + 6001 }), ['req-6', 'req-5', 'req-4', 'req-3']);
    t.deepEqual(await ids({ from: t0 + 8000 }), ['req-9', 'req-8']);
    t.deepEqual(await ids({ to: t0 + 2000 }), ['req-1', 'req-0']);
    t.deepEqual(await ids({ from: t0 + 4000, to: t0 + 4000 }), []);
    t.deepEqual(await ids({ from: t0 + 6000, to: t0 + 3000 }), []);
    t.deepEqual(await ids({ to: 0 }), []);
    t.deepEqual(await ids({ from: t0 + 20_000 }), []);
    await store.appendRequests([requestRecord(0, { time: t0 + 3 * 3_600_000, requestId: 'hours-later' })]);
    t.deepEqual(await ids({ to: t0 + 2000 }), ['req-1', 'req-0']);
    t.deepEqual(await ids({ from: t0 + 9000 }), ['hours-later', 'req-9']);
  });

  withStore('records are listed in the order the calls arrived, not the order they finished', async (t, store) => {
    // Times in the past, so that an id taken from the clock at append time would differ from the record's.
    const base = Date.now() - 3_600_000;
    const at = (second: number, requestId: string) => requestRecord(0, { time: base + second * 1000, requestId, latencyMs: 1000 });
    await store.appendRequests([at(0, 'r0'), at(9, 'r9')]);
    // A long request: it arrived at second 2 and is logged after one that arrived at second 9.
    await store.appendRequests([at(2, 'r2')]);
    await store.appendRequests([at(10, 'r10'), at(9, 'r9-too')]);
    const ids = async (query: Omit<RequestLogQuery, 'limit'>) => requestIds((await store.requests({ limit: 1000, ...query })).records);
    t.deepEqual(await ids({}), ['r10', 'r9-too', 'r9', 'r2', 'r0'], 'newest arrival first; the same millisecond in append order');
    t.deepEqual(await ids({ from: base + 2000, to: base + 3000 }), ['r2']);
    t.deepEqual(await ids({ to: base + 5000 }), ['r2', 'r0']);
    t.deepEqual(await ids({ from: base + 5000 }), ['r10', 'r9-too', 'r9']);
    const all = (await store.requests({ limit: 1000 })).records;
    t.deepEqual(
      all.map((record) => record.id.split('-')[0]),
      all.map((record) => String(record.time)),
      'ids carry the arrival time',
    );
    const { records: paged } = await readAllPages((cursor) => store.requests({ limit: 2, cursor }));
    t.deepEqual(requestIds(paged), ['r10', 'r9-too', 'r9', 'r2', 'r0'], 'pages keep that order');
  });

  withStore('pages visit every record once, newest first, and go on after records appended in between', async (t, store) => {
    const records = Array.from({ length: 250 }, (_, index) => requestRecord(index));
    await store.appendRequests(records);
    const { pages, records: visited } = await allRequests(store, { limit: 7 });
    t.deepEqual(requestIds(visited), requestIds(newestFirst(records)));
    t.true(pages.slice(0, -1).every((page) => page.records.length === 7 && page.next !== undefined));
    t.is(pages.at(-1)!.next, undefined);

    const first = await store.requests({ limit: 100 });
    await store.appendRequests([requestRecord(300)]);
    const second = await store.requests({ limit: 100, cursor: first.next });
    t.deepEqual(requestIds(second.records), requestIds(newestFirst(records).slice(100, 200)));
  });

  withStore('pages with sparse filters visit every match once', async (t, store) => {
    const records = Array.from({ length: 400 }, (_, index) =>
      requestRecord(index, { clientId: index % 37 === 5 ? 'ck_rare' : 'ck_common', status: index % 3 === 0 ? 500 : 200 }),
    );
    await store.appendRequests(records);
    const query = { limit: 2, clientId: 'ck_rare' };
    const expected = newestFirst(records.filter((record) => record.clientId === 'ck_rare'));
    t.deepEqual(requestIds((await allRequests(store, query)).records), requestIds(expected));

    const bounded = { limit: 3, status: 'error' as const, from: t0 + 50_000, to: t0 + 350_000 };
    const expectedBounded = newestFirst(records.filter((record) => record.status >= 400 && record.time >= bounded.from && record.time < bounded.to));
    t.deepEqual(requestIds((await allRequests(store, bounded)).records), requestIds(expectedBounded));

    const errors = Array.from({ length: 120 }, (_, index) => errorRecord(index, { upstreamKey: index % 25 === 0 ? 'key-rare' : 'key-common' }));
    await store.appendErrors(errors);
    const visited = await allErrors(store, { limit: 1, upstreamKey: 'key-rare' });
    t.deepEqual(requestIds(visited.records), ['req-100', 'req-75', 'req-50', 'req-25', 'req-0']);
  });

  withStore('the limit is clamped to 1–1000', async (t, store) => {
    await store.appendRequests(Array.from({ length: 1200 }, (_, index) => requestRecord(index)));
    t.is((await store.requests({ limit: 0 })).records.length, 1);
    t.is((await store.requests({ limit: -5 })).records.length, 1);
    t.is((await store.requests({ limit: 2.7 })).records.length, 2);
    const big = await store.requests({ limit: 5000 });
    t.is(big.records.length, 1000);
    t.not(big.next, undefined);
    const rest = await store.requests({ limit: 1000, cursor: big.next });
    t.deepEqual(requestIds(rest.records), Array.from({ length: 200 }, (_, index) => `req-${199 - index}`));
    t.is(rest.next, undefined);
  });

  withStore('a malformed cursor is a 400 on the cursor parameter', async (t, store) => {
    await store.appendRequests([requestRecord(0)]);
    await store.appendErrors([errorRecord(0)]);
    for (const cursor of ['', 'abc', '12', '-1-0', '1-2-3', ' 1-0', '1.5-0', '99999999999999999-0']) {
      for (const read of [() => store.requests({ limit: 10, cursor }), () => store.errors({ limit: 10, cursor })]) {
        const error = await t.throwsAsync(read, { instanceOf: GatewayError }, JSON.stringify(cursor));
        t.is(error?.status, 400);
        t.is(error?.param, 'cursor');
      }
    }
    t.deepEqual(await store.requests({ limit: 10, cursor: '0-0' }), { records: [] }, 'nothing precedes the first possible id');
    t.is((await store.requests({ limit: 10, cursor: `${t0 + 1}-0` })).records.length, 1, 'a well-formed cursor need not be a stored id');
  });

  withStore(
    'prune drops records older than the retention and keeps the rest',
    async (t, store) => {
      const retentionMs = 60_000;
      const now = t0 + 10 * 60_000;
      await store.appendRequests([
        requestRecord(0, { time: now - 5 * retentionMs, requestId: 'ancient' }),
        requestRecord(0, { time: now - retentionMs - 1, requestId: 'just-expired' }),
        requestRecord(0, { time: now - retentionMs, requestId: 'oldest-kept' }),
        requestRecord(0, { time: now - 1000, requestId: 'recent' }),
      ]);
      await store.appendErrors([
        errorRecord(0, { time: now - 2 * retentionMs, requestId: 'old-error' }),
        errorRecord(0, { time: now, requestId: 'new-error' }),
      ]);
      await store.prune(now - 10 * retentionMs);
      t.is((await store.requests({ limit: 10 })).records.length, 4, 'nothing is past the retention yet');
      await store.prune(now);
      t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['recent', 'oldest-kept']);
      t.deepEqual(requestIds((await store.errors({ limit: 10 })).records), ['new-error']);
      await store.prune(now);
      t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['recent', 'oldest-kept'], 'pruning again changes nothing');
      await store.appendRequests([requestRecord(0, { time: now + 1, requestId: 'after-prune' })]);
      t.deepEqual(requestIds((await store.requests({ limit: 10 })).records), ['after-prune', 'recent', 'oldest-kept']);
    },
    { retentionMs: 60_000 },
  );

  withStore(
    'each log keeps about maxRecords, the newest',
    async (t, store) => {
      const records = Array.from({ length: 1000 }, (_, index) => requestRecord(index));
      for (let index = 0; index < records.length; index += 50) await store.appendRequests(records.slice(index, index + 50));
      const kept = (await allRequests(store, { limit: 1000 })).records;
      t.true(kept.length >= 100 && kept.length <= 300, `kept ${kept.length}`);
      t.deepEqual(requestIds(kept), requestIds(newestFirst(records).slice(0, kept.length)));
    },
    { maxRecords: 100 },
  );

  withStore(
    'the two logs are independent',
    async (t, store) => {
      await store.appendErrors([errorRecord(0, { requestId: 'the-error' })]);
      await store.appendRequests(Array.from({ length: 500 }, (_, index) => requestRecord(index)));
      t.deepEqual(requestIds((await store.errors({ limit: 10 })).records), ['the-error'], 'filling the request log leaves the error log alone');
      t.is((await store.requests({ limit: 10, from: t0 })).records.length, 10);
      t.false((await store.requests({ limit: 1000 })).records.some((record) => record.requestId === 'the-error'));
      await store.appendErrors([errorRecord(1000, { requestId: 'later-error' })]);
      t.is((await store.requests({ limit: 1 })).records[0]!.requestId, 'req-499');
      t.deepEqual(requestIds((await store.errors({ limit: 10 })).records), ['later-error', 'the-error']);
    },
    { maxRecords: 100 },
  );
}
