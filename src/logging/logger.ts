import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/load.js';
import { LineWriter } from './line-writer.js';

export type { Logger } from 'pino';

/**
 * Fields that could hold a secret if an object carrying one were ever logged. The gateway does not log headers,
 * keys or bodies in the first place; this is the second line of defence. Exact paths only: wildcard paths make
 * every log call markedly slower.
 */
const REDACTED_PATHS = ['authorization', 'apiKey', 'api_key', 'key', 'token', 'headers.authorization', 'headers["x-api-key"]', 'headers["x-goog-api-key"]'];

let lastSecond = Number.NaN;
/** `,"time":"<date>T<hh:mm:ss>.` of the second last formatted. */
let secondPrefix = '';

/**
 * pino's ISO timestamp (`,"time":"2026-12-06T22:35:12.345Z"`). The date and time of day are formatted once per
 * second and only the milliseconds per line: `toISOString` is dear next to the rest of an access line.
 */
export function isoTimestamp(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    secondPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  return `${secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

/**
 * Ends the process once every log line written so far is out, in order: the batch already being written finishes
 * before the rest goes. (Exiting at once would leave the `exit` hook to write the rest synchronously, possibly ahead
 * of that batch or with it lost.) After `maxWaitMs` it exits anyway, should the output be stuck.
 */
export function exitAfterLogs(logger: Logger, code: number, maxWaitMs = 2000): void {
  const exit = () => process.exit(code);
  setTimeout(exit, maxWaitMs);
  logger.flush(exit);
}

/** Standard output as a batched line writer, flushed when the process exits. */
function stdoutWriter(): LineWriter {
  const writer = new LineWriter(1);
  process.once('exit', () => writer.flushSync());
  return writer;
}

/** JSON-lines logger on stdout (or `destination`): ISO time, level by name, secrets redacted. */
export function createLogger(level: LogLevel, destination: DestinationStream = stdoutWriter()): Logger {
  return pino(
    {
      level,
      base: { service: 'llm-gateway', hostname: hostname(), pid: process.pid },
      timestamp: () => isoTimestamp(),
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
