import { invalidRequest } from '../core/errors.js';
import type { ErrorLogQuery, RequestLogQuery, RequestRecord, UpstreamErrorRecord } from './log-store.js';

/*
 * Query rules shared by the memory store and the Redis store, so both answer alike.
 *
 * Entry ids are Redis stream ids, `<ms>-<seq>`, increasing in append order. The `ms` part is the record's `time`
 * unless a newer record was appended before it (a long request finishing after shorter, later ones; another
 * instance; a skewed clock); then it is the newest id's `ms`, so ids stay increasing. Hence id ms >= time, always,
 * and id ms - time is the record's lateness: how long after newer records it was appended.
 */

export const MAX_PAGE_SIZE = 1000;

/**
 * How late a record may be appended and still be found by a query with `to`: the walk starts at ids up to this
 * much past `to`. Records appended more than this after newer ones (requests running over an hour) are missed by
 * queries with `to`, never by the others.
 */
export const LATE_APPEND_MARGIN_MS = 60 * 60_000;

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

/** The millisecond part a record's id gets before any clamping to the stream's newest id. */
export const idTime = (time: number): number => (Number.isFinite(time) && time > 0 ? Math.floor(time) : 0);

export const clampLimit = (limit: number): number => Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(limit) || 1));

export interface IdWindow {
  /** Entries with a smaller id ms cannot match `from` (id ms >= time). */
  oldestMs?: number;
  /** Entries with a larger id ms cannot match `to`, unless appended later than LATE_APPEND_MARGIN_MS. */
  newestMs?: number;
}

export function idWindow({ from, to }: { from?: number; to?: number }): IdWindow {
  const window: IdWindow = {};
  if (from !== undefined && Number.isFinite(from)) window.oldestMs = idTime(from);
  if (to !== undefined && Number.isFinite(to)) window.newestMs = Math.ceil(to) - 1 + LATE_APPEND_MARGIN_MS;
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
