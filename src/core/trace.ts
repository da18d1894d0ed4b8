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

/** Where `bytes` fresh random bytes start in `randomBlock`. */
function takeRandom(bytes: number): number {
  if (randomOffset + bytes > randomBlock.length) {
    randomBlock = randomFillSync(Buffer.allocUnsafe(RANDOM_BLOCK_BYTES));
    randomOffset = 0;
  }
  const start = randomOffset;
  randomOffset += bytes;
  return start;
}

/** `bytes` random bytes as lower-case hex, never `zero` (all zeros, which W3C trace context forbids). */
function randomHex(bytes: number, zero: string): string {
  for (;;) {
    const start = takeRandom(bytes);
    const hex = randomBlock.toString('hex', start, start + bytes);
    if (hex !== zero) return hex;
  }
}

/** A random trace id: 16 random bytes in hex. */
export const newTraceId = (): string => randomHex(16, ZERO_TRACE_ID);

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Writes `count` bytes of `source` from `start` into `target` at `at`, as lower-case hex digits. */
function writeHex(target: Buffer, at: number, source: Buffer, start: number, count: number): void {
  for (let index = 0; index < count; index++) {
    const byte = source[start + index]!;
    target[at + 2 * index] = HEX_DIGITS[byte >> 4]!;
    target[at + 2 * index + 1] = HEX_DIGITS[byte & 0x0f]!;
  }
}

// The ids below go into headers: written into these buffers in place and read out as one string, they are flat (see
// core/flat-text.ts), and cheaper to make than by joining pieces.
const traceparentText = Buffer.from(`00-${ZERO_TRACE_ID}-${ZERO_SPAN_ID}-00`, 'latin1');
const uuidText = Buffer.alloc(36, '-');

/** The `traceparent` an upstream call carries: the call's trace id, a new span id of the gateway's, its flags. */
export function upstreamTraceparent(trace: CallTrace): string {
  const { traceId, flags } = trace;
  for (let index = 0; index < 32; index++) traceparentText[3 + index] = traceId.charCodeAt(index);
  let span: number;
  do span = takeRandom(8);
  while (randomBlock.readUInt32LE(span) === 0 && randomBlock.readUInt32LE(span + 4) === 0);
  writeHex(traceparentText, 36, randomBlock, span, 8);
  traceparentText[53] = flags.charCodeAt(0);
  traceparentText[54] = flags.charCodeAt(1);
  return traceparentText.toString('latin1');
}

/** A random (version 4) UUID, as `crypto.randomUUID` makes one, from the same block of random bytes. */
export function newRequestId(): string {
  const start = takeRandom(16);
  randomBlock[start + 6] = (randomBlock[start + 6]! & 0x0f) | 0x40;
  randomBlock[start + 8] = (randomBlock[start + 8]! & 0x3f) | 0x80;
  writeHex(uuidText, 0, randomBlock, start, 4);
  writeHex(uuidText, 9, randomBlock, start + 4, 2);
  writeHex(uuidText, 14, randomBlock, start + 6, 2);
  writeHex(uuidText, 19, randomBlock, start + 8, 2);
  writeHex(uuidText, 24, randomBlock, start + 10, 6);
  return uuidText.toString('latin1');
}

/** Counts time spent waiting on an upstream into the call's trace. */
export function addUpstreamTime(trace: CallTrace, ms: number): void {
  trace.upstreamMs = (trace.upstreamMs ?? 0) + ms;
}
