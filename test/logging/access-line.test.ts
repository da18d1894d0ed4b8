import test from 'ava';
import { type AccessLine, type AccessMessage, accessLineWriter } from '../../src/logging/access-line.js';
import { createLogger } from '../../src/logging/logger.js';

/** A logger whose lines are kept as written, and the same lines written by pino itself. */
function bothWays(level: 'info' | 'warn' | 'error', line: AccessLine, msg: AccessMessage, loggerLevel: 'info' | 'warn' = 'info') {
  const ours: string[] = [];
  const pinos: string[] = [];
  // Two loggers made the same way; a child stands for a worker's logger, whose bindings every line carries.
  const mine = createLogger(loggerLevel, { write: (text: string) => void ours.push(text) }).child({ worker: 2 });
  const theirs = createLogger(loggerLevel, { write: (text: string) => void pinos.push(text) }).child({ worker: 2 });
  accessLineWriter(mine)(level, line, msg);
  theirs[level](line, msg);
  // The time differs only when the two calls straddle a millisecond.
  const withoutTime = (text: string) => text.replace(/"time":"[^"]*"/, '"time":"…"');
  return { ours: ours.map(withoutTime), pinos: pinos.map(withoutTime) };
}

test('an access line is written byte for byte as pino writes it', (t) => {
  const lines: [('info' | 'warn' | 'error'), AccessLine, AccessMessage][] = [
    ['info', { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', reqId: 'b6a1e2f4-1234-4cde-9abc-0123456789ab', method: 'POST', path: '/v1/chat/completions', status: 200, durationMs: 1.23, model: 'gpt-4o-mini', provider: 'openai', upstreamKey: '1a2b3c4d', attempts: 1, client: 'env:1234abcd' }, 'request completed'],
    ['warn', { trace_id: 't', reqId: 'client-id', method: 'GET', path: '/v1/模型/"x"\n', status: 404, durationMs: 0, model: 'gpt "4" \\ ✓', client: undefined, error: { status: 404, message: 'Invalid URL (GET /v1/模型)', code: 'unknown_route' } }, 'request rejected'],
    ['error', { trace_id: 't', reqId: 'r', method: 'POST', path: '/v1/messages', status: 502, durationMs: 12.5, model: 'claude', attempts: 3, stream: 'upstream_error', error: { status: 502, message: 'Upstream anthropic broke the connection.', code: null } }, 'request failed'],
  ];
  for (const [level, line, msg] of lines) {
    const { ours, pinos } = bothWays(level, line, msg);
    t.is(ours.length, 1);
    t.deepEqual(ours, pinos);
  }
});

test('a level the logger leaves out writes nothing', (t) => {
  const { ours, pinos } = bothWays('info', { trace_id: 't', reqId: 'r', method: 'GET', path: '/health', status: 200, durationMs: 1 }, 'request completed', 'warn');
  t.deepEqual(ours, []);
  t.deepEqual(pinos, []);
});
