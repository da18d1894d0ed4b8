import { randomUUID } from 'node:crypto';

/**
 * One call's W3C trace context (https://www.w3.org/TR/trace-context/), as the gateway carries it to the upstream:
 * the trace id and flags the client sent (or fresh ones), the request id, and how long the upstreams took to
 * answer, for `Server-Timing`. Built once per request; the HTTP client to upstreams reads and times it.
 */
export interface CallTrace {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** The trace flags, two hex digits (`01`: sampled). */
  readonly flags: string;
  readonly requestId: string;
  /** `performance.now()` when the request arrived. */
  readonly receivedAt: number;
  /** Milliseconds spent waiting for upstreams' first bytes, over every attempt; undefined before any answered. */
  upstreamMs: number | undefined;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * The trace id and flags of a `traceparent` header, or undefined when it is absent or malformed: version `ff` is
 * invalid, version `00` has exactly four fields, later versions may add fields after them; all-zero ids are invalid.
 */
export function parseTraceparent(header: string): { traceId: string; flags: string } | undefined {
  const match = TRACEPARENT.exec(header);
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined;
  return { traceId: traceId!, flags: flags! };
}

/** A random trace id: a v4 UUID's hex digits (122 random bits; randomUUID draws from a cached entropy pool). */
export const newTraceId = (): string => randomUUID().replaceAll('-', '');

/** A random span id: 16 of a v4 UUID's hex digits, leaving out its fixed version and variant digits. */
function newSpanId(): string {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(24, 28);
}

/** The `traceparent` an upstream call carries: the call's trace id, a new span id of the gateway's, its flags. */
export const upstreamTraceparent = (trace: CallTrace): string => `00-${trace.traceId}-${newSpanId()}-${trace.flags}`;

/** Counts time spent waiting on an upstream into the call's trace. */
export function addUpstreamTime(trace: CallTrace, ms: number): void {
  trace.upstreamMs = (trace.upstreamMs ?? 0) + ms;
}
