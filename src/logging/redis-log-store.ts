import { z } from 'zod';
import { CALL_ENDPOINTS, type ErrorLogQuery, type LogPage, type LogStore, type RequestLogQuery, type RequestRecord, type UpstreamErrorRecord } from './log-store.js';
import { clampLimit, idTime, idWindow, matchesError, matchesRequest, parseCursor, type LogStoreLimits, type StreamId } from './log-query.js';
import { withScripts, type RedisConnection } from '../storage/redis-client.js';

/**
 * Appends records to a log kept as a sorted set of ids scored by the records' times (arrival, not finish) and a
 * hash id → record. Ids are `<time>-<seq>`, the seq zero-padded from one counter, so ids of the same millisecond
 * sort in append order. The oldest records beyond maxRecords are dropped. One call appends a whole batch.
 * KEYS: the index, the records, the counter; ARGV[1] maxRecords; then a time (integer ms) and a JSON record per entry.
 */
const APPEND_RECORDS = `
local index, records, counter, maxRecords = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1])
for i = 2, #ARGV, 2 do
  local id = ARGV[i] .. '-' .. string.format('%016d', redis.call('INCR', counter))
  redis.call('ZADD', index, ARGV[i], id)
  redis.call('HSET', records, id, ARGV[i + 1])
end
local excess = redis.call('ZCARD', index) - maxRecords
if excess > 0 then
  local dropped = redis.call('ZRANGE', index, 0, excess - 1)
  redis.call('HDEL', records, unpack(dropped))
  redis.call('ZREMRANGEBYRANK', index, 0, excess - 1)
end
return (#ARGV - 1) / 2
`;

/** Drops up to ARGV[2] records older than ARGV[1] (ms); returns how many. KEYS: the index, the records. */
const PRUNE_RECORDS = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids > 0 then
  redis.call('HDEL', KEYS[2], unpack(ids))
  redis.call('ZREM', KEYS[1], unpack(ids))
end
return #ids
`;

/**
 * Up to ARGV[5] entries newest first, as id, record pairs: after the cursor id ARGV[1] (its position now, so records
 * appended meanwhile do not shift the page; by its time when it is gone), not newer than ARGV[3] and down to
 * ARGV[4] (scores, `+inf`/`-inf` when unbounded). ARGV[2] is the cursor's time. KEYS: the index, the records.
 */
const PAGE_RECORDS = `
local index, records = KEYS[1], KEYS[2]
local cursor, cursorMs, newest, oldest, count = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local start = redis.call('ZCOUNT', index, '(' .. newest, '+inf')
if cursor ~= '' then
  local rank = redis.call('ZREVRANK', index, cursor)
  local afterCursor = rank and rank + 1 or redis.call('ZCOUNT', index, cursorMs, '+inf')
  if afterCursor > start then start = afterCursor end
end
local entries = redis.call('ZREVRANGE', index, start, start + count - 1, 'WITHSCORES')
local out = {}
for i = 1, #entries, 2 do
  if tonumber(entries[i + 1]) < oldest then break end
  out[#out + 1] = entries[i]
  out[#out + 1] = redis.call('HGET', records, entries[i]) or ''
end
return out
`;

interface LogScripts {
  llmgwAppendLogRecords(index: string, records: string, counter: string, maxRecords: number, ...timesAndRecords: (string | number)[]): Promise<number>;
  llmgwPruneLogRecords(index: string, records: string, cutoffMs: number, count: number): Promise<number>;
  llmgwPageLogRecords(index: string, records: string, cursor: string, cursorMs: string, newest: string, oldest: string, count: number): Promise<string[]>;
}

/** The keys of one log. */
interface LogKeys {
  index: string;
  records: string;
  counter: string;
}

const PRUNE_BATCH = 5000;

/** Entries a query examines at most before it returns what it has, with a cursor to go on from. */
const MAX_SCANNED_PER_QUERY = 20_000;
const FIRST_BATCH = 100;
const MAX_BATCH = 1000;

const nullableString = z.string().nullable();

const requestRecordSchema: z.ZodType<RequestRecord> = z.object({
  time: z.number(),
  requestId: z.string(),
  clientId: z.string(),
  clientName: z.string(),
  clientHint: z.string(),
  model: nullableString,
  provider: nullableString,
  upstreamKey: nullableString,
  endpoint: z.enum(CALL_ENDPOINTS),
  stream: z.boolean(),
  status: z.number(),
  latencyMs: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  totalTokens: z.number(),
  reasoningTokens: z.number(),
  cachedTokens: z.number(),
  cacheWriteTokens: z.number().optional(),
  cacheWriteLongTokens: z.number().optional(),
  searches: z.number().optional(),
  images: z.number().optional(),
  imageSize: z.string().optional(),
  audioSeconds: z.number().optional(),
  characters: z.number().optional(),
  estimated: z.boolean(),
  costNano: z.number().nullable().optional(),
  attempts: z.number(),
  error: nullableString,
  requestExcerpt: z.string().optional(),
  responseExcerpt: z.string().optional(),
});

const errorRecordSchema: z.ZodType<UpstreamErrorRecord> = z.object({
  time: z.number(),
  requestId: z.string(),
  clientName: z.string(),
  provider: z.string(),
  model: nullableString,
  upstreamKey: nullableString,
  status: z.number(),
  code: nullableString,
  message: z.string(),
});

/** The record in an entry, or undefined when it is not one this store wrote. */
function decodeRecord<T>(json: string, schema: z.ZodType<T>): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A cursor as the id it names (seq zero-padded as stored, whatever the client sent). */
const idOf = ({ ms, seq }: StreamId): string => `${ms}-${String(seq).padStart(16, '0')}`;

interface PageQuery {
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

/**
 * Both logs in Redis (`<prefix>log:{requests}:*`, `<prefix>log:{errors}:*`), shared by every gateway instance, each a
 * sorted set of ids by arrival time and a hash of the records as JSON, so a long call is listed where it arrived,
 * not where it finished. Appends trim to `maxRecords`; `prune` drops by time.
 */
export class RedisLogStore implements LogStore {
  private readonly scripts: LogScripts;
  private readonly logs: { requests: LogKeys; errors: LogKeys };
  private readonly retentionMs: number;
  private readonly errorRetentionMs: number;
  private readonly maxRecords: number;

  constructor(
    readonly redis: RedisConnection,
    prefix: string,
    { retentionMs, errorRetentionMs = retentionMs, maxRecords }: LogStoreLimits,
  ) {
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new RangeError(`maxRecords must be a positive integer, not ${maxRecords}`);
    this.scripts = withScripts<LogScripts>(redis, [
      ['llmgwAppendLogRecords', 3, APPEND_RECORDS],
      ['llmgwPruneLogRecords', 2, PRUNE_RECORDS],
      ['llmgwPageLogRecords', 2, PAGE_RECORDS],
    ]);
    // One hash tag per log: its scripts touch all three keys, which on a Redis Cluster must share a slot.
    const keys = (name: string): LogKeys => ({ index: `${prefix}log:{${name}}:index`, records: `${prefix}log:{${name}}:records`, counter: `${prefix}log:{${name}}:seq` });
    this.logs = { requests: keys('requests'), errors: keys('errors') };
    this.retentionMs = retentionMs;
    this.errorRetentionMs = errorRetentionMs;
    this.maxRecords = maxRecords;
  }

  async appendRequests(records: readonly RequestRecord[]): Promise<void> {
    await this.append(this.logs.requests, records);
  }

  async appendErrors(records: readonly UpstreamErrorRecord[]): Promise<void> {
    await this.append(this.logs.errors, records);
  }

  async requests(query: RequestLogQuery): Promise<LogPage<RequestRecord>> {
    return this.page(this.logs.requests, query, requestRecordSchema, (record) => matchesRequest(record, query));
  }

  async errors(query: ErrorLogQuery): Promise<LogPage<UpstreamErrorRecord>> {
    return this.page(this.logs.errors, query, errorRecordSchema, (record) => matchesError(record, query));
  }

  async prune(now: number): Promise<void> {
    for (const [log, retentionMs] of [
      [this.logs.requests, this.retentionMs],
      [this.logs.errors, this.errorRetentionMs],
    ] as const) {
      const cutoffMs = Math.ceil(now - retentionMs);
      if (!(cutoffMs > 0)) continue;
      while ((await this.scripts.llmgwPruneLogRecords(log.index, log.records, cutoffMs, PRUNE_BATCH)) === PRUNE_BATCH);
    }
  }

  private async append(log: LogKeys, records: readonly { time: number }[]): Promise<void> {
    if (records.length === 0) return;
    const timesAndRecords = records.flatMap((record) => [idTime(record.time), JSON.stringify(record)]);
    await this.scripts.llmgwAppendLogRecords(log.index, log.records, log.counter, this.maxRecords, ...timesAndRecords);
  }

  /**
   * Walks the log newest first from the cursor (or the `to` bound) down to the `from` bound, in growing batches,
   * until `limit` records match or MAX_SCANNED_PER_QUERY entries were examined; `next` is then the last entry
   * examined, so the next page goes on from there.
   */
  private async page<T>(log: LogKeys, query: PageQuery, schema: z.ZodType<T>, matches: (record: T) => boolean): Promise<LogPage<T>> {
    const limit = clampLimit(query.limit);
    const after = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const { oldestMs, newestMs } = idWindow(query);
    if (newestMs !== undefined && newestMs < 0) return { records: [] };
    const newest = newestMs === undefined ? '+inf' : String(newestMs);
    const oldest = oldestMs === undefined ? '-inf' : String(oldestMs);
    const records: (T & { id: string })[] = [];
    let cursor = after === undefined ? '' : idOf(after);
    let batch = Math.max(limit, FIRST_BATCH);
    let scanned = 0;
    while (scanned < MAX_SCANNED_PER_QUERY) {
      const count = Math.min(batch, MAX_BATCH, MAX_SCANNED_PER_QUERY - scanned);
      const cursorMs = cursor === '' ? '0' : cursor.slice(0, cursor.indexOf('-'));
      const entries = await this.scripts.llmgwPageLogRecords(log.index, log.records, cursor, cursorMs, newest, oldest, count);
      for (let index = 0; index + 1 < entries.length; index += 2) {
        const id = entries[index]!;
        scanned += 1;
        cursor = id;
        const record = decodeRecord(entries[index + 1]!, schema);
        if (record === undefined || !matches(record)) continue;
        records.push({ ...record, id });
        if (records.length === limit) return { records, next: id };
      }
      if (entries.length < count * 2) return { records };
      batch *= 2;
    }
    return { records, next: cursor };
  }
}
