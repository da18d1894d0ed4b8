import { clampLimit, compareIds, idTime, idWindow, type LogStoreLimits, matchesError, matchesRequest, parseCursor, type StreamId } from './log-query.js';
import type { ErrorLogQuery, LogPage, LogStore, RequestLogQuery, RequestRecord, UpstreamErrorRecord } from './log-store.js';

/** A fixed-capacity FIFO: pushing beyond capacity drops the oldest item. Index 0 is the oldest. */
class Ring<T> {
  private readonly items: (T | undefined)[] = [];
  private head = 0;
  private size = 0;

  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.size;
  }

  at(index: number): T {
    return this.items[(this.head + index) % this.capacity] as T;
  }

  set(index: number, item: T): void {
    this.items[(this.head + index) % this.capacity] = item;
  }

  push(item: T): void {
    if (this.size < this.capacity) {
      this.items[(this.head + this.size) % this.capacity] = item;
      this.size += 1;
    } else {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  dropOldest(): void {
    this.items[this.head] = undefined; // so the record can be collected
    this.head = (this.head + 1) % this.capacity;
    this.size -= 1;
  }
}

/** A record with its position in the log; its id (`<ms>-<seq>`) is only spelled out when read. */
interface Entry<T> extends StreamId {
  record: T;
}

interface PageQuery {
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

/** One log: entries in arrival order (the records' times, ties in append order), at most `maxRecords` of them. */
class MemoryLog<T extends { time: number }> {
  private readonly entries: Ring<Entry<T>>;
  private lastSeq = 0;

  constructor(maxRecords: number) {
    this.entries = new Ring(maxRecords);
  }

  /**
   * Takes the record as it is: the meter hands over records it no longer touches. A call is appended when it
   * finishes, so a long one goes back past the shorter calls that arrived after it (a few steps, usually none).
   */
  append(record: T): void {
    const entry = { ms: idTime(record.time), seq: ++this.lastSeq, record };
    this.entries.push(entry);
    let index = this.entries.length - 1;
    for (; index > 0 && compareIds(this.entries.at(index - 1), entry) > 0; index--) this.entries.set(index, this.entries.at(index - 1));
    this.entries.set(index, entry);
  }

  dropBefore(cutoffMs: number): void {
    while (this.entries.length > 0 && this.entries.at(0).ms < cutoffMs) this.entries.dropOldest();
  }

  page(query: PageQuery, matches: (record: T) => boolean): LogPage<T> {
    const limit = clampLimit(query.limit);
    const after = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const { oldestMs, newestMs } = idWindow(query);
    const tooNew = (entry: Entry<T>) => (after !== undefined && compareIds(entry, after) >= 0) || (newestMs !== undefined && entry.ms > newestMs);
    const records: (T & { id: string })[] = [];
    for (let index = this.firstIndexWhere(tooNew) - 1; index >= 0; index--) {
      const entry = this.entries.at(index);
      if (oldestMs !== undefined && entry.ms < oldestMs) break;
      if (!matches(entry.record)) continue;
      const id = `${entry.ms}-${entry.seq}`;
      records.push({ ...entry.record, id });
      if (records.length === limit) return { records, next: id };
    }
    return { records };
  }

  /** Binary search over entries in id order for the first one where `predicate` (false, then true) holds. */
  private firstIndexWhere(predicate: (entry: Entry<T>) => boolean): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (predicate(this.entries.at(middle))) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}


/** Both logs in this process, each bounded to `maxRecords`: the store when no Redis is configured. */
export class MemoryLogStore implements LogStore {
  private readonly retentionMs: number;
  private readonly errorRetentionMs: number;
  private readonly requestLog: MemoryLog<RequestRecord>;
  private readonly errorLog: MemoryLog<UpstreamErrorRecord>;

  constructor({ retentionMs, errorRetentionMs = retentionMs, maxRecords }: LogStoreLimits) {
    if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new RangeError(`maxRecords must be a positive integer, not ${maxRecords}`);
    this.retentionMs = retentionMs;
    this.errorRetentionMs = errorRetentionMs;
    this.requestLog = new MemoryLog(maxRecords);
    this.errorLog = new MemoryLog(maxRecords);
  }

  async appendRequests(records: readonly RequestRecord[]): Promise<void> {
    for (const record of records) this.requestLog.append(record);
  }

  async appendErrors(records: readonly UpstreamErrorRecord[]): Promise<void> {
    for (const record of records) this.errorLog.append(record);
  }

  async requests(query: RequestLogQuery): Promise<LogPage<RequestRecord>> {
    return this.requestLog.page(query, (record) => matchesRequest(record, query));
  }

  async errors(query: ErrorLogQuery): Promise<LogPage<UpstreamErrorRecord>> {
    return this.errorLog.page(query, (record) => matchesError(record, query));
  }

  async prune(now: number): Promise<void> {
    this.requestLog.dropBefore(now - this.retentionMs);
    this.errorLog.dropBefore(now - this.errorRetentionMs);
  }
}
