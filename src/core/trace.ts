import { randomFillSync } from 'node:crypto';

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

/** Random bytes drawn from the system in blocks, handed out a few at a time (as randomUUID does with its own pool). */
const RANDOM_BLOCK_BYTES = 4096;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

/** `bytes` random bytes as lower-case hex, never `zero` (all zeros, which W3C trace context forbids). */
function randomHex(bytes: number, zero: string): string {
  for (;;) {
    if (randomOffset + bytes > randomBlock.length) {
      randomBlock = randomFillSync(Buffer.allocUnsafe(RANDOM_BLOCK_BYTES));
      randomOffset = 0;
    }
    const hex = randomBlock.toString('hex', randomOffset, randomOffset + bytes);
    randomOffset += bytes;
    if (hex !== zero) return hex;
  }
}

/** A random trace id: 16 random bytes in hex. */
export const newTraceId = (): string => randomHex(16, ZERO_TRACE_ID);

/** A random span id: 8 random bytes in hex. */
const newSpanId = (): string => randomHex(8, ZERO_SPAN_ID);

/** The `traceparent` an upstream call carries: the call's trace id, a new span id of the gateway's, its flags. */
export const upstreamTraceparent = (trace: CallTrace): string => `00-${trace.traceId}-${newSpanId()}-${trace.flags}`;

/** Counts time spent waiting on an upstream into the call's trace. */
export function addUpstreamTime(trace: CallTrace, ms: number): void {
  trace.upstreamMs = (trace.upstreamMs ?? 0) + ms;
}
