import test from 'ava';
import { newRequestId, newTraceId, parseTraceparent, upstreamTraceparent, type CallTrace } from '../../src/core/trace.js';

const SAMPLE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('a well-formed traceparent gives its trace id and flags', (t) => {
  t.deepEqual(parseTraceparent(SAMPLE), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' });
  t.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00'), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '00' });
});

test('a later version may carry more fields after the four it shares with version 00', (t) => {
  t.deepEqual(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'), { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' });
});

test('malformed traceparents are refused', (t) => {
  for (const header of [
    '',
    'garbage',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1',
  ]) {
    t.is(parseTraceparent(header), undefined, header);
  }
});

test('an upstream traceparent keeps the trace id and flags with a new span id each time', (t) => {
  const trace: CallTrace = { traceId: newTraceId(), flags: '01', requestId: 'r', receivedAt: 0, upstreamMs: undefined };
  t.regex(trace.traceId, /^[0-9a-f]{32}$/);
  const first = upstreamTraceparent(trace);
  const second = upstreamTraceparent(trace);
  t.deepEqual(parseTraceparent(first), { traceId: trace.traceId, flags: '01' });
  t.regex(first, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.not(first.split('-')[2], second.split('-')[2]);
});

test('request ids are random version 4 UUIDs, none repeated', (t) => {
  const ids = Array.from({ length: 5000 }, () => newRequestId());
  for (const id of ids.slice(0, 50)) t.regex(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(new Set(ids).size, ids.length);
  // Every hex digit position that is random takes many values.
  const firstDigits = new Set(ids.map((id) => id[0]));
  t.true(firstDigits.size >= 14, `${firstDigits.size} distinct first digits`);
});
