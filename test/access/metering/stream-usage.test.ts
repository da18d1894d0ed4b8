import test from 'ava';
import { StreamUsageTap } from '../../../src/access/metering/stream-usage.js';
import { readChunkLines } from '../../helpers/fixtures.js';

test('a recorded stream with include_usage: the tap finds the usage; hiding it drops only the usage chunk', (t) => {
  const payloads = readChunkLines('alibaba/alibaba-reasoning.chunks.txt');
  const last = JSON.parse(payloads.at(-1)!) as { usage: { total_tokens: number }; choices: unknown[] };
  const shown = new StreamUsageTap(false);
  t.deepEqual(shown.observe(payloads), payloads);
  t.is(shown.usage!.total, last.usage.total_tokens);

  const hidden = new StreamUsageTap(true);
  const forwarded = payloads.flatMap((payload) => hidden.observe([payload]));
  t.deepEqual(forwarded, payloads.slice(0, -1));
  t.is(hidden.usage!.total, last.usage.total_tokens);
});

test('without reported usage the tap estimates from the generated text, and keeps its start when asked', (t) => {
  const tap = new StreamUsageTap(false, 12);
  const chunk = (delta: Record<string, unknown>) => JSON.stringify({ choices: [{ index: 0, delta }] });
  tap.observe([chunk({ content: 'Hello there, ' }), chunk({ content: 'general \\"Kenobi\\"' })]);
  tap.observe([chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] })]);
  t.is(tap.usage, undefined);
  t.true(tap.estimatedCompletionTokens >= 8);
  t.is(tap.text, 'Hello there,');
});
