import type { StatsStore } from './stats-store.js';
import type { Period, WindowClock } from '../limits/time-windows.js';

/** Calls and tokens of one group of calls. */
export interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
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

const METRICS: Record<string, keyof UsageTotals> = { req: 'requests', err: 'errors', pt: 'prompt_tokens', ct: 'completion_tokens', tt: 'total_tokens' };

const emptyTotals = (): UsageTotals => ({ requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

/** `dimension|id|metric` → its parts; the id may itself contain `|` (`cm|clientId|model`). */
function parseField(field: string): { dimension: string; id: string; metric: string } | undefined {
  const first = field.indexOf('|');
  const last = field.lastIndexOf('|');
  if (first < 0 || last <= first) return undefined;
  return { dimension: field.slice(0, first), id: field.slice(first + 1, last), metric: field.slice(last + 1) };
}

/** Per dimension, per id, the totals; `s<status>` counters of upstream keys separately. */
function group(sums: Map<string, number>) {
  const groups = new Map<string, Map<string, UsageTotals>>();
  const statuses = new Map<string, Map<string, number>>();
  for (const [field, amount] of sums) {
    const parsed = parseField(field);
    if (!parsed) continue;
    const metric = METRICS[parsed.metric];
    if (metric) {
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
  return { groups, statuses };
}

const byRequests = <T extends UsageTotals>(rows: T[]): T[] => rows.sort((a, b) => b.requests - a.requests || b.total_tokens - a.total_tokens);

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
      return { ...own, by_client_key: [{ id: clientKey, name: names.get(clientKey) ?? null, ...own }], by_model: byRequests(models), by_provider: [], by_upstream_key: [] };
    }
    const rows = <K extends string>(dimension: string, key: K) =>
      byRequests([...(groups.get(dimension) ?? new Map<string, UsageTotals>())].map(([id, totals]) => ({ [key]: id, ...totals }) as UsageTotals & Record<K, string>));
    return {
      ...sumOf(clients.values()),
      by_client_key: byRequests([...clients].map(([id, totals]) => ({ id, name: names.get(id) ?? null, ...totals }))),
      by_model: rows('m', 'model'),
      by_provider: rows('p', 'provider'),
      by_upstream_key: rows('u', 'upstream_key'),
    };
  }
}
