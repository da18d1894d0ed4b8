import { nanoToUsd } from '../../core/money.js';
import { LATENCY_METRICS, latencyPercentile } from './latency-histogram.js';
import type { StatsStore } from './stats-store.js';
import type { Period, WindowClock } from '../limits/time-windows.js';

/** Calls, tokens and cost of one group of calls. */
export interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD of the priced calls (counted in nano-dollars, converted once per row). */
  cost_usd: number;
  /** Calls whose model has no price: their cost is unknown, not zero. */
  unpriced_requests: number;
}

export interface UsageBreakdown extends UsageTotals {
  by_client_key: (UsageTotals & { id: string; name: string | null })[];
  by_model: (UsageTotals & { model: string })[];
  by_provider: (UsageTotals & { provider: string })[];
  by_upstream_key: (UsageTotals & { upstream_key: string })[];
}

export interface FailingUpstreamKey {
  /** `provider/keyId`, as the request log names it. */
  upstream_key: string;
  status_429: number;
  status_403: number;
  status_400: number;
  total: number;
}

/** While rows are summed, `cost_usd` holds nano-dollars; `inDollars` converts a finished row. */
const METRICS: Record<string, keyof UsageTotals> = {
  req: 'requests',
  err: 'errors',
  pt: 'prompt_tokens',
  ct: 'completion_tokens',
  tt: 'total_tokens',
  cost: 'cost_usd',
  unp: 'unpriced_requests',
};

const emptyTotals = (): UsageTotals => ({ requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, unpriced_requests: 0 });

const inDollars = <T extends UsageTotals>(row: T): T => ({ ...row, cost_usd: nanoToUsd(row.cost_usd) });

/** `dimension|id|metric` → its parts; the id may itself contain `|` (`cm|clientId|model`). */
function parseField(field: string): { dimension: string; id: string; metric: string } | undefined {
  const first = field.indexOf('|');
  const last = field.lastIndexOf('|');
  if (first < 0 || last <= first) return undefined;
  return { dimension: field.slice(0, first), id: field.slice(first + 1, last), metric: field.slice(last + 1) };
}

/** One point of a usage timeline: a window's calls, tokens, cost and latency percentiles. */
export interface TimelinePoint {
  requests: number;
  errors: number;
  total_tokens: number;
  cost_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** Usage per window, oldest first, in total and for the busiest models, providers and client keys of the span. */
export interface UsageTimeline {
  period: Period;
  windows: string[];
  total: TimelinePoint[];
  by_model: Record<string, TimelinePoint[]>;
  by_provider: Record<string, TimelinePoint[]>;
  by_client_key: Record<string, TimelinePoint[]>;
  client_key_names: Record<string, string | null>;
}

const LATENCY_BIN = new Map(LATENCY_METRICS.map((metric, index) => [metric, index]));

/** Per dimension, per id, the totals and latency bins; `s<status>` counters of upstream keys separately. */
function group(sums: Map<string, number>) {
  const groups = new Map<string, Map<string, UsageTotals>>();
  const latencies = new Map<string, number[]>();
  const statuses = new Map<string, Map<string, number>>();
  for (const [field, amount] of sums) {
    const parsed = parseField(field);
    if (!parsed) continue;
    const metric = METRICS[parsed.metric];
    const bin = LATENCY_BIN.get(parsed.metric);
    if (bin !== undefined) {
      const key = `${parsed.dimension}|${parsed.id}`;
      let bins = latencies.get(key);
      if (!bins) latencies.set(key, (bins = LATENCY_METRICS.map(() => 0)));
      bins[bin]! += amount;
    } else if (metric) {
      let byId = groups.get(parsed.dimension);
      if (!byId) groups.set(parsed.dimension, (byId = new Map()));
      let totals = byId.get(parsed.id);
      if (!totals) byId.set(parsed.id, (totals = emptyTotals()));
      totals[metric] += amount;
    } else if (parsed.dimension === 'u' && /^s\d{3}$/.test(parsed.metric)) {
      let counts = statuses.get(parsed.id);
      if (!counts) statuses.set(parsed.id, (counts = new Map()));
      counts.set(parsed.metric, (counts.get(parsed.metric) ?? 0) + amount);
    }
  }
  return { groups, latencies, statuses };
}

const NO_LATENCIES: readonly number[] = LATENCY_METRICS.map(() => 0);

function timelinePoint(totals: UsageTotals | undefined, bins: readonly number[] | undefined): TimelinePoint {
  const latency = bins ?? NO_LATENCIES;
  return {
    requests: totals?.requests ?? 0,
    errors: totals?.errors ?? 0,
    total_tokens: totals?.total_tokens ?? 0,
    cost_usd: nanoToUsd(totals?.cost_usd ?? 0),
    p50_ms: latencyPercentile(latency, 0.5),
    p95_ms: latencyPercentile(latency, 0.95),
  };
}

/** The per-window bins summed over all ids of a dimension, for the timeline's total. */
function summedBins(latencies: Map<string, number[]>, dimension: string): number[] {
  const sum = LATENCY_METRICS.map(() => 0);
  for (const [key, bins] of latencies) if (key.startsWith(`${dimension}|`)) bins.forEach((count, index) => (sum[index]! += count));
  return sum;
}

const byRequests = <T extends UsageTotals>(rows: T[]): T[] => rows.map(inDollars).sort((a, b) => b.requests - a.requests || b.total_tokens - a.total_tokens);

function sumOf(rows: Iterable<UsageTotals>): UsageTotals {
  const total = emptyTotals();
  for (const row of rows) for (const metric of Object.values(METRICS)) total[metric] += row[metric];
  return total;
}

/**
 * Builds the operator's views of usage from the statistics store: totals and breakdowns over rolling spans
 * (the current minute, the last 60 minutes, 24 hours, 30 days), per-window series, and the upstream keys that
 * most often answer 429, 403 or 400.
 */
export class UsageReport {
  constructor(
    private readonly stats: StatsStore,
    private readonly clock: WindowClock,
    private readonly names: () => Promise<Map<string, string>>,
  ) {}

  /** Usage over the last `count` windows of `period`, broken down by client key, model, provider, upstream key. */
  async span(period: Period, count: number, clientKey?: string): Promise<UsageBreakdown> {
    const sums = await this.stats.read(period, this.clock.recent(period, count));
    return this.breakdown(sums, clientKey);
  }

  /** One breakdown per window, newest first. */
  async series(period: Period, count: number, clientKey?: string): Promise<(UsageBreakdown & { window: string })[]> {
    const ids = this.clock.recent(period, count);
    return Promise.all(ids.map(async (window) => ({ window, ...(await this.breakdown(await this.stats.read(period, [window]), clientKey)) })));
  }

  /**
   * The last `count` windows of `period`, oldest first: totals and, for the `top` busiest models, providers and
   * client keys of the span, each one's line; with latency percentiles from the windows' histograms.
   */
  async timeline(period: Period, count: number, top: number): Promise<UsageTimeline> {
    const ids = this.clock.recent(period, count).reverse();
    const windows = await Promise.all(ids.map(async (id) => group(await this.stats.read(period, [id]))));
    const names = await this.names();
    const lines = (dimension: string): Record<string, TimelinePoint[]> => {
      const requests = new Map<string, number>();
      for (const window of windows) for (const [id, totals] of window.groups.get(dimension) ?? []) requests.set(id, (requests.get(id) ?? 0) + totals.requests);
      const busiest = [...requests].sort((a, b) => b[1] - a[1]).slice(0, top).map(([id]) => id);
      return Object.fromEntries(busiest.map((id) => [id, windows.map((window) => timelinePoint(window.groups.get(dimension)?.get(id), window.latencies.get(`${dimension}|${id}`)))]));
    };
    const byClientKey = lines('c');
    return {
      period,
      windows: ids,
      // Every call is counted once under its caller, so the callers' sums are the totals.
      total: windows.map((window) => timelinePoint(sumOf((window.groups.get('c') ?? new Map<string, UsageTotals>()).values()), summedBins(window.latencies, 'c'))),
      by_model: lines('m'),
      by_provider: lines('p'),
      by_client_key: byClientKey,
      client_key_names: Object.fromEntries(Object.keys(byClientKey).map((id) => [id, names.get(id) ?? null])),
    };
  }

  /** Over the last 24 hours, the upstream keys with the most 429, 403 and 400 answers. */
  async failingUpstreamKeys(limit = 20): Promise<FailingUpstreamKey[]> {
    const { statuses } = group(await this.stats.read('hour', this.clock.recent('hour', 24)));
    const rows = [...statuses].map(([upstreamKey, counts]) => {
      const status429 = counts.get('s429') ?? 0;
      const status403 = counts.get('s403') ?? 0;
      const status400 = counts.get('s400') ?? 0;
      return { upstream_key: upstreamKey, status_429: status429, status_403: status403, status_400: status400, total: status429 + status403 + status400 };
    });
    return rows
      .filter((row) => row.total > 0)
      .sort((a, b) => b.total - a.total)
      .slice(0, limit);
  }

  private async breakdown(sums: Map<string, number>, clientKey: string | undefined): Promise<UsageBreakdown> {
    const { groups } = group(sums);
    const names = await this.names();
    const clients = groups.get('c') ?? new Map<string, UsageTotals>();
    if (clientKey !== undefined) {
      // One key's calls: its models come from the key × model counters; providers and upstream keys are not split
      // per key, so they are left out.
      const models = [...(groups.get('cm') ?? new Map<string, UsageTotals>())]
        .filter(([id]) => id.startsWith(`${clientKey}|`))
        .map(([id, totals]) => ({ model: id.slice(clientKey.length + 1), ...totals }));
      const own = clients.get(clientKey) ?? emptyTotals();
      return { ...inDollars(own), by_client_key: byRequests([{ id: clientKey, name: names.get(clientKey) ?? null, ...own }]), by_model: byRequests(models), by_provider: [], by_upstream_key: [] };
    }
    const rows = <K extends string>(dimension: string, key: K) =>
      byRequests([...(groups.get(dimension) ?? new Map<string, UsageTotals>())].map(([id, totals]) => ({ [key]: id, ...totals }) as UsageTotals & Record<K, string>));
    return {
      ...inDollars(sumOf(clients.values())),
      by_client_key: byRequests([...clients].map(([id, totals]) => ({ id, name: names.get(id) ?? null, ...totals }))),
      by_model: rows('m', 'model'),
      by_provider: rows('p', 'provider'),
      by_upstream_key: rows('u', 'upstream_key'),
    };
  }
}
