/**
 * Call latencies as a fixed histogram, so percentiles per window of time cost a dozen counters rather than a list
 * of every call: bin i counts calls that took less than LATENCY_BOUNDS_MS[i] (and at least the bound before).
 * Bounds double from 100 ms; the last bin is open.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400, Number.POSITIVE_INFINITY];

/** The statistics metric of each bin: `l0` … `l11`. */
export const LATENCY_METRICS: readonly string[] = LATENCY_BOUNDS_MS.map((_, index) => `l${index}`);

export function latencyBin(latencyMs: number): number {
  let bin = 0;
  while (latencyMs >= LATENCY_BOUNDS_MS[bin]!) bin++;
  return bin;
}

/**
 * The latency under which `fraction` of the counted calls finished, interpolated within its bin; null without
 * calls. A call in the open last bin counts as its lower bound.
 */
export function latencyPercentile(bins: readonly number[], fraction: number): number | null {
  const total = bins.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = fraction * total;
  let before = 0;
  for (let bin = 0; bin < bins.length; bin++) {
    const count = bins[bin] ?? 0;
    if (count > 0 && before + count >= rank) {
      const lower = bin === 0 ? 0 : LATENCY_BOUNDS_MS[bin - 1]!;
      const upper = LATENCY_BOUNDS_MS[bin]!;
      if (!Number.isFinite(upper)) return lower;
      return Math.round(lower + ((upper - lower) * (rank - before)) / count);
    }
    before += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 2]!;
}
