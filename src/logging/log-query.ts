import { invalidRequest } from '../core/errors.js';
import type { ErrorLogQuery, RequestLogQuery, RequestRecord, UpstreamErrorRecord } from './log-store.js';

/*
 * Query rules shared by the memory store and the Redis store, so both answer alike.
 *
 * Entry ids are `<ms>-<seq>`: `ms` is the record's `time` (when the call arrived), `seq` a counter in append order
 * for ties. Both stores list entries by id, newest first, so a call that finished late is still listed where it
 * arrived.
 */

export const MAX_PAGE_SIZE = 1000;

export interface StreamId {
  ms: number;
  seq: number;
}

const STREAM_ID = /^(\d{1,16})-(\d{1,16})$/;

/** Reads a `next` cursor; anything that is not an entry id is the caller's mistake (400, param `cursor`). */
export function parseCursor(cursor: string): StreamId {
  const match = STREAM_ID.exec(cursor);
  const ms = Number(match?.[1]);
  const seq = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) {
    throw invalidRequest(`Invalid cursor ${JSON.stringify(cursor)}: pass the \`next\` value of the previous page.`, 'cursor');
  }
  return { ms, seq };
}

export const compareIds = (a: StreamId, b: StreamId): number => a.ms - b.ms || a.seq - b.seq;

/** The millisecond part of a record's id. */
export const idTime = (time: number): number => (Number.isFinite(time) && time > 0 ? Math.floor(time) : 0);

export const clampLimit = (limit: number): number => Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit) || 1));

export interface IdWindow {
  /** Entries with a smaller id ms cannot match `from`. */
  oldestMs?: number;
  /** Entries with a larger id ms cannot match `to`. */
  newestMs?: number;
}

export function idWindow({ from, to }: { from?: number; to?: number }): IdWindow {
  const window: IdWindow = {};
  if (from !== undefined && Number.isFinite(from)) window.oldestMs = idTime(from);
  if (to !== undefined && Number.isFinite(to)) window.newestMs = Math.ceil(to) - 1;
  return window;
}

const inTimeRange = (time: number, { from, to }: { from?: number; to?: number }): boolean =>
  (from === undefined || time >= from) && (to === undefined || time < to);

function statusMatches(status: number, wanted: RequestLogQuery['status']): boolean {
  if (wanted === undefined) return true;
  if (wanted === 'error') return status >= 400;
  if (wanted === 'success') return status < 400;
  return status === wanted;
}

export const matchesRequest = (record: RequestRecord, query: RequestLogQuery): boolean =>
  (query.clientId === undefined || record.clientId === query.clientId) &&
  (query.model === undefined || record.model === query.model) &&
  (query.provider === undefined || record.provider === query.provider) &&
  statusMatches(record.status, query.status) &&
  inTimeRange(record.time, query);

export const matchesError = (record: UpstreamErrorRecord, query: ErrorLogQuery): boolean =>
  (query.provider === undefined || record.provider === query.provider) &&
  (query.upstreamKey === undefined || record.upstreamKey === query.upstreamKey) &&
  statusMatches(record.status, query.status) &&
  inTimeRange(record.time, query);


export interface LogStoreLimits {
  /** How long a request record is kept. */
  retentionMs: number;
  /** How long an upstream error record is kept; `retentionMs` when unset. */
  errorRetentionMs?: number;
  maxRecords: number;
}
