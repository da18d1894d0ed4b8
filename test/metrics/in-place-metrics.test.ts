import test from 'ava';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { InPlaceCounter, InPlaceHistogram } from '../../src/metrics/in-place-metrics.js';

const BUCKETS = [0.05, 0.1, 0.25, 1, 5];
const OBSERVED = [0.01, 0.05, 0.07, 0.3, 0.3, 4.9, 5, 12, 0.1];

/** The same observations through prom-client's own metrics and through the in-place ones. */
function bothWays() {
  const theirs = new Registry();
  const ours = new Registry();
  const counter = new Counter({ name: 'calls_total', help: 'Calls.', labelNames: ['route', 'model'], registers: [theirs] });
  const histogram = new Histogram({ name: 'call_seconds', help: 'Call time.', labelNames: ['route', 'model'], buckets: BUCKETS, registers: [theirs] });
  const inPlaceCounter = new InPlaceCounter('calls_total', 'Calls.', [ours]);
  const inPlaceHistogram = new InPlaceHistogram('call_seconds', 'Call time.', BUCKETS, [ours]);
  for (const labels of [{ route: 'chat', model: 'gpt-4o' }, { route: 'embeddings', model: 'text-embedding-3-small' }]) {
    const series = { counter: inPlaceCounter.labels(labels), histogram: inPlaceHistogram.labels(labels) };
    for (const value of labels.route === 'chat' ? OBSERVED : OBSERVED.slice(0, 3)) {
      counter.inc(labels);
      series.counter.inc();
      histogram.observe(labels, value);
      series.histogram.observe(value);
    }
  }
  // A series made but never counted is not shown, as with prom-client.
  inPlaceCounter.labels({ route: 'responses', model: 'o3' });
  inPlaceHistogram.labels({ route: 'responses', model: 'o3' });
  return { theirs, ours };
}

test('the in-place counter and histogram read exactly as prom-client’s own, in the text format', async (t) => {
  const { theirs, ours } = bothWays();
  const text = await ours.metrics();
  t.is(text, await theirs.metrics());
  t.regex(text, /call_seconds_bucket\{le="0.05",route="chat",model="gpt-4o"\} 2\n/);
  t.regex(text, /call_seconds_bucket\{le="\+Inf",route="chat",model="gpt-4o"\} 9\n/);
});

test('summed over workers as prom-client’s own are, and reset to nothing', async (t) => {
  const one = bothWays();
  const two = bothWays();
  const summed = (registries: Registry[]) => Promise.all(registries.map((registry) => registry.getMetricsAsJSON())).then((json) => AggregatorRegistry.aggregate(json).metrics());
  t.is(await summed([one.ours, two.ours]), await summed([one.theirs, two.theirs]));
  one.ours.resetMetrics();
  one.theirs.resetMetrics();
  t.is(await one.ours.metrics(), await one.theirs.metrics());
});
