import { createLogger, type Logger } from '../../src/logging/logger.js';

/** A real logger whose lines are kept, parsed, in `lines`. */
export function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
