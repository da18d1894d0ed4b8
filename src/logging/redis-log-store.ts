import { z } from 'zod';
import { CALL_ENDPOINTS, type ErrorLogQuery, type LogPage, type LogStore, type RequestLogQuery, type RequestRecord, type UpstreamErrorRecord } from './log-store.js';
import { clampLimit, idTime, idWindow, matchesError, matchesRequest, parseCursor, type LogStoreLimits, type StreamId } from './log-query.js';
import { withScripts, type RedisConnection } from '../storage/redis-client.js';

/**
 * Appends records to a stream, each with the id `<time>-*`, so ids follow the records' times and retention can trim
 * by id. A record older than the stream's newest id would be rejected; it gets `<newest ms>-*` instead, keeping
 * id ms >= time (the read side relies on it). One call appends a whole batch, in one round trip.
 * KEYS[1] the stream; ARGV[1] maxRecords; then a time (integer ms) and a JSON record per entry.
 */
const APPEND_RECORDS = `
local stream, maxRecords = KEYS[1], ARGV[1]
local function newestMs()
  local info = redis.call('XINFO', 'STREAM', stream)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return string.match(info[i + 1], '^(%d+)-') end
  end
end
for i = 2, #ARGV, 2 do
  local added = redis.pcall('XADD', stream, 'MAXLEN', '~', maxRecords, ARGV[i] .. '-*', 'r', ARGV[i + 1])
  if type(added) == 'table' and added.err then
    redis.call('XADD', stream, 'MAXLEN', '~', maxRecords, newestMs() .. '-*', 'r', ARGV[i + 1])
  end
end
return (#ARGV - 1) / 2
`;

interface LogScripts {
  llmgwAppendLog(stream: string, maxRecords: number, ...timesAndRecords: (string | number)[]): Promise<number>;
}

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

/** The record in an entry's `r` field, or undefined when the entry is not one this store wrote. */
function decodeEntry<T>(fields: string[], schema: z.ZodType<T>): T | undefined {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] !== 'r') continue;
    try {
      const parsed = schema.safeParse(JSON.parse(fields[index + 1]!));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The XREVRANGE `end` argument for the first batch, or undefined when nothing can match. */
function newestBound(after: StreamId | undefined, newestMs: number | undefined): string | undefined {
  if (newestMs !== undefined && newestMs < 0) return undefined;
  if (after !== undefined) {
    if (after.ms === 0 && after.seq === 0) return undefined; // Nothing precedes 0-0; Redis rejects `(0-0`.
    if (newestMs === undefined || after.ms <= newestMs) return `(${after.ms}-${after.seq}`;
  }
  return newestMs === undefined ? '+' : String(newestMs);
}

interface PageQuery {
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

/**
 * Both logs in Redis streams (`<prefix>log:requests`, `<prefix>log:errors`), shared by every gateway instance.
 * Each entry holds its record as JSON in the field `r`. Appends trim approximately to `maxRecords`; `prune` trims
 * by id, which follows the records' times.
 */
export class RedisLogStore implements LogStore {
  private readonly scripts: LogScripts;
  private readonly streams: { requests: string; errors: string };
  private readonly retentionMs: number;
  private readonly errorRetentionMs: number;
  private readonly maxRecords: number;

  constructor(
    readonly redis: RedisConnection,
    prefix: string,
    { retentionMs, errorRetentionMs = retentionMs, maxRecords }: LogStoreLimits,
  ) {
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new RangeError(`maxRecords must be a positive integer, not ${maxRecords}`);
    this.scripts = withScripts<LogScripts>(redis, [['llmgwAppendLog', 1, APPEND_RECORDS]]);
    this.streams = { requests: `${prefix}log:requests`, errors: `${prefix}log:errors` };
    this.retentionMs = retentionMs;
    this.errorRetentionMs = errorRetentionMs;
    this.maxRecords = maxRecords;
  }

  async appendRequests(records: readonly RequestRecord[]): Promise<void> {
    await this.append(this.streams.requests, records);
  }

  async appendErrors(records: readonly UpstreamErrorRecord[]): Promise<void> {
    await this.append(this.streams.errors, records);
  }

  async requests(query: RequestLogQuery): Promise<LogPage<RequestRecord>> {
    return this.page(this.streams.requests, query, requestRecordSchema, (record) => matchesRequest(record, query));
  }

  async errors(query: ErrorLogQuery): Promise<LogPage<UpstreamErrorRecord>> {
    return this.page(this.streams.errors, query, errorRecordSchema, (record) => matchesError(record, query));
  }

  /**
   * Exact trimming (no `~`): approximate trimming only drops whole stream nodes, so a quiet log could keep expired
   * records indefinitely. Prune runs now and then, where the little extra work of exactness does not matter.
   */
  async prune(now: number): Promise<void> {
    const requestCutoffMs = Math.ceil(now - this.retentionMs);
    const errorCutoffMs = Math.ceil(now - this.errorRetentionMs);
    if (!(requestCutoffMs > 0) || !(errorCutoffMs > 0)) return;
    // Two commands rather than one pipeline: on a cluster the two streams may live on different nodes.
    await Promise.all([this.redis.xtrim(this.streams.requests, 'MINID', requestCutoffMs), this.redis.xtrim(this.streams.errors, 'MINID', errorCutoffMs)]);
  }

  private async append(stream: string, records: readonly { time: number }[]): Promise<void> {
    if (records.length === 0) return;
    const timesAndRecords = records.flatMap((record) => [idTime(record.time), JSON.stringify(record)]);
    await this.scripts.llmgwAppendLog(stream, this.maxRecords, ...timesAndRecords);
  }

  /**
   * Walks the stream newest first from the cursor (or the `to` bound) down to the `from` bound, in growing batches,
   * until `limit` records match or MAX_SCANNED_PER_QUERY entries were examined; `next` is then the last entry
   * examined, so the next page goes on from there.
   */
  private async page<T>(stream: string, query: PageQuery, schema: z.ZodType<T>, matches: (record: T) => boolean): Promise<LogPage<T>> {
    const limit = clampLimit(query.limit);
    const after = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const { oldestMs, newestMs } = idWindow(query);
    let end = newestBound(after, newestMs);
    if (end === undefined) return { records: [] };
    const start = oldestMs === undefined ? '-' : String(oldestMs);
    const records: (T & { id: string })[] = [];
    let batch = Math.max(limit, FIRST_BATCH);
    let scanned = 0;
    let lastId: string | undefined;
    while (scanned < MAX_SCANNED_PER_QUERY) {
      const count = Math.min(batch, MAX_BATCH, MAX_SCANNED_PER_QUERY - scanned);
      const entries = await this.redis.xrevrange(stream, end, start, 'COUNT', count);
      for (const [id, fields] of entries) {
        scanned += 1;
        lastId = id;
        const record = decodeEntry(fields, schema);
        if (record === undefined || !matches(record)) continue;
        records.push({ ...record, id });
        if (records.length === limit) return { records, next: id };
      }
      if (entries.length < count || lastId === undefined) return { records };
      end = `(${lastId}`;
      batch *= 2;
    }
    return { records, next: lastId };
  }
}
