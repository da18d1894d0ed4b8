import { pino, type Logger } from 'pino';
import { isoTimestamp } from './logger.js';

/**
 * One request's access-log line: what request-context.ts writes once the response is out. `trace_id`, `reqId` and
 * `method` are written between quotes as they are: the request frame makes only ones that need no escaping (hex
 * digits, a request id that matched its pattern or a UUID, the method Node's parser accepted).
 */
export interface AccessLine {
  trace_id: string;
  reqId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  model?: string | undefined;
  provider?: string | undefined;
  upstreamKey?: string | undefined;
  attempts?: number | undefined;
  client?: string | undefined;
  stream?: string | undefined;
  /** Why the request failed: `{ status, message, code }`. */
  error?: object | undefined;
}

type Level = 'info' | 'warn' | 'error';

/** The access line's messages, which need no escaping. */
export type AccessMessage = 'request completed' | 'request rejected' | 'request failed';

/** Printable ASCII without `"` or `\`: written between quotes as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as JSON: most values need no escaping, and checking is cheaper than JSON.stringify. */
const text = (value: string) => (PLAIN.test(value) ? `"${value}"` : JSON.stringify(value));

/**
 * Writes access lines exactly as `logger[level](line, msg)` would (the same fields in the same order, the level's
 * name, the time, the logger's bindings, through its destination), formatted in one go: the access line is the one
 * line every request writes, and pino's field-by-field serialisation of it cost a few microseconds and 3 KB of
 * garbage per request. Its fields hold no secret (the key is a fingerprint), so redaction has nothing to do.
 */
export function accessLineWriter(logger: Logger): (level: Level, line: AccessLine, msg: AccessMessage) => void {
  const destination = (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]!;
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  return (level, line, msg) => {
    if (!logger.isLevelEnabled(level)) return;
    let out =
      `{"level":"${level}"${isoTimestamp()}${bindings},"trace_id":"${line.trace_id}","reqId":"${line.reqId}",` +
      `"method":"${line.method}","path":${text(line.path)},"status":${line.status},"durationMs":${line.durationMs}`;
    if (line.model !== undefined) out += `,"model":${text(line.model)}`;
    if (line.provider !== undefined) out += `,"provider":${text(line.provider)}`;
    if (line.upstreamKey !== undefined) out += `,"upstreamKey":${text(line.upstreamKey)}`;
    if (line.attempts !== undefined) out += `,"attempts":${line.attempts}`;
    if (line.client !== undefined) out += `,"client":${text(line.client)}`;
    if (line.stream !== undefined) out += `,"stream":${text(line.stream)}`;
    if (line.error !== undefined) out += `,"error":${JSON.stringify(line.error)}`;
    destination.write(`${out},"msg":"${msg}"}\n`);
  };
}
