import test from 'ava';
import { LATENCY_BOUNDS_MS, latencyBin, latencyPercentile } from '../../../src/access/stats/latency-histogram.js';

const binsWith = (entries: Record<number, number>) => LATENCY_BOUNDS_MS.map((_, bin) => entries[bin] ?? 0);

test('latencies fall in the bin below their upper bound; the last bin is open', (t) => {
  t.is(latencyBin(0), 0);
  t.is(latencyBin(99), 0);
  t.is(latencyBin(100), 1);
  t.is(latencyBin(799), 3);
  t.is(latencyBin(10_000_000), LATENCY_BOUNDS_MS.length - 1);
});

test('percentiles interpolate within the bin that holds their rank, and are null without calls', (t) => {
  t.is(latencyPercentile(binsWith({}), 0.5), null);
  // 10 calls in 100–200 ms: the median is half-way through the bin, p95 near its top.
  t.is(latencyPercentile(binsWith({ 1: 10 }), 0.5), 150);
  t.is(latencyPercentile(binsWith({ 1: 10 }), 0.95), 195);
  // 90 fast calls and 10 slow ones: the median is fast, p95 is among the slow (1.6–3.2 s).
  const mixed = binsWith({ 0: 90, 5: 10 });
  t.true(latencyPercentile(mixed, 0.5)! < 100);
  const p95 = latencyPercentile(mixed, 0.95)!;
  t.true(p95 >= 1600 && p95 <= 3200, String(p95));
  t.is(latencyPercentile(binsWith({ [LATENCY_BOUNDS_MS.length - 1]: 3 }), 0.5), 102_400);
});
