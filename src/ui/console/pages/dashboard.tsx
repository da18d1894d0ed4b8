import { useMemo, useState } from 'preact/hooks';
import { api } from '../../shared/api.js';
import { formatDuration, formatMs, formatNumber, formatUsd } from '../../shared/format.js';
import { t } from '../../shared/i18n.js';
import { usePreference } from '../../shared/preference.js';
import { theme } from '../../shared/theme.js';
import { errorText, Notice, StatusBadge, usePoll } from '../../shared/ui.js';
import { type ChartSeries, LineChart } from '../chart.js';
import type { PoolView } from './upstream-keys.js';

interface Point {
  requests: number;
  errors: number;
  total_tokens: number;
  cost_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

interface Timeline {
  windows: string[];
  total: Point[];
  by_model: Record<string, Point[]>;
  by_provider: Record<string, Point[]>;
  by_client_key: Record<string, Point[]>;
  client_key_names: Record<string, string | null>;
}

interface Health {
  status: string;
  version: string;
  uptime_seconds: number;
  dependencies: { store: { kind?: string; status: string } };
}

type Span = 'hour' | 'day' | 'month';
type Split = 'total' | 'by_model' | 'by_provider' | 'by_client_key';

const SPANS: [Span, string][] = [
  ['hour', 'Last hour'],
  ['day', 'Last day'],
  ['month', 'Last 30 days'],
];
const SPLITS: [Split, string][] = [
  ['total', 'Total'],
  ['by_model', 'By model'],
  ['by_provider', 'By upstream'],
  ['by_client_key', 'By client key'],
];

const POLL_MS = 5000;

function sumOf(points: Point[]) {
  const requests = points.reduce((sum, point) => sum + point.requests, 0);
  const weighted = (pick: (point: Point) => number | null) => {
    const known = points.filter((point) => pick(point) !== null && point.requests > 0);
    const calls = known.reduce((sum, point) => sum + point.requests, 0);
    return calls === 0 ? null : known.reduce((sum, point) => sum + pick(point)! * point.requests, 0) / calls;
  };
  return {
    requests,
    errors: points.reduce((sum, point) => sum + point.errors, 0),
    tokens: points.reduce((sum, point) => sum + point.total_tokens, 0),
    cost: points.reduce((sum, point) => sum + point.cost_usd, 0),
    p50: weighted((point) => point.p50_ms),
    p95: weighted((point) => point.p95_ms),
  };
}

/** Lines of one metric: the total, or one per model, upstream or client key. */
function linesOf(timeline: Timeline, split: Split, pick: (point: Point) => number | null): ChartSeries[] {
  if (split === 'total') return [{ label: t('Total'), values: timeline.total.map(pick) }];
  return Object.entries(timeline[split]).map(([id, points]) => ({
    label: split === 'by_client_key' ? (timeline.client_key_names[id] ?? id) : id,
    values: points.map(pick),
  }));
}

export function DashboardPage() {
  const [span, setSpan] = useState<Span>('hour');
  const [split, setSplit] = useState<Split>('total');
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [health, setHealth] = useState<Health | null>(null);
  const [pools, setPools] = useState<PoolView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const themeKey = usePreference(theme);

  usePoll(
    async () => {
      try {
        const [nextTimeline, nextHealth, keys] = await Promise.all([
          api<Timeline>(`/admin/api/usage/timeline?span=${span}`),
          fetch('/health').then((response) => response.json() as Promise<Health>),
          api<{ providers: PoolView[] }>('/admin/api/upstream-keys'),
        ]);
        setTimeline(nextTimeline);
        setHealth(nextHealth);
        setPools(keys.providers);
        setError(null);
      } catch (failure) {
        setError(errorText(failure));
      }
    },
    POLL_MS,
    [span],
  );

  const totals = useMemo(() => (timeline ? sumOf(timeline.total) : null), [timeline]);
  const charts = useMemo(() => {
    if (!timeline) return [];
    return [
      { title: t('Calls'), format: formatNumber, lines: linesOf(timeline, split, (point) => point.requests) },
      { title: t('Tokens'), format: formatNumber, lines: linesOf(timeline, split, (point) => point.total_tokens) },
      { title: t('Errors'), format: formatNumber, lines: linesOf(timeline, split, (point) => point.errors) },
      {
        title: t('Latency p50 / p95'),
        format: formatMs,
        lines:
          split === 'total'
            ? [
                { label: 'p50', values: timeline.total.map((point) => point.p50_ms) },
                { label: 'p95', values: timeline.total.map((point) => point.p95_ms) },
              ]
            : linesOf(timeline, split, (point) => point.p95_ms).map((line) => ({ ...line, label: `${line.label} p95` })),
      },
    ];
  }, [timeline, split]);

  return (
    <div class="stack">
      <div class="page-head">
        <h1>{t('Dashboard')}</h1>
        <div class="row">
          <div class="segmented" role="group" aria-label={t('Time span')}>
            {SPANS.map(([value, label]) => (
              <button type="button" key={value} aria-pressed={span === value} onClick={() => setSpan(value)}>
                {t(label)}
              </button>
            ))}
          </div>
          <label class="row small">
            <span class="visually-hidden">{t('Split')}</span>
            <select value={split} onChange={(event) => setSplit(event.currentTarget.value as Split)} aria-label={t('Split')}>
              {SPLITS.map(([value, label]) => (
                <option key={value} value={value}>
                  {t(label)}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {error && <Notice tone="bad">{error}</Notice>}
      <section class="cards" aria-label={t('Totals')}>
        <Stat label={t('Calls')} value={formatNumber(totals?.requests)} />
        <Stat label={t('Tokens')} value={formatNumber(totals?.tokens)} />
        <Stat label={t('Errors')} value={formatNumber(totals?.errors)} tone={totals && totals.errors > 0 ? 'bad' : undefined} />
        <Stat label={t('Latency p50')} value={formatMs(totals?.p50)} />
        <Stat label={t('Latency p95')} value={formatMs(totals?.p95)} />
        <Stat label={t('Cost')} value={formatUsd(totals?.cost)} />
      </section>
      <section class="grid-2" aria-label={t('Charts')}>
        {charts.map((chart) => (
          <div class="card" key={chart.title}>
            <h2>{chart.title}</h2>
            {timeline && <LineChart windows={timeline.windows} series={chart.lines} format={chart.format} label={chart.title} themeKey={themeKey} />}
          </div>
        ))}
      </section>
      <section class="grid-2">
        <div class="card">
          <h2>{t('Gateway health')}</h2>
          {health ? (
            <dl class="cards" style={{ margin: 0 }}>
              <div>
                <dt class="muted small">{t('Status')}</dt>
                <dd style={{ margin: 0 }}>
                  <StatusBadge status={health.status} />
                </dd>
              </div>
              <div>
                <dt class="muted small">{t('Store')}</dt>
                <dd style={{ margin: 0 }}>
                  {health.dependencies.store.kind ?? ''} <StatusBadge status={health.dependencies.store.status} />
                </dd>
              </div>
              <div>
                <dt class="muted small">{t('Uptime')}</dt>
                <dd style={{ margin: 0 }}>{formatDuration(health.uptime_seconds)}</dd>
              </div>
              <div>
                <dt class="muted small">{t('Version')}</dt>
                <dd style={{ margin: 0 }} class="mono">
                  {health.version}
                </dd>
              </div>
            </dl>
          ) : (
            <p class="muted">{t('Loading…')}</p>
          )}
        </div>
        <div class="card">
          <h2>{t('Key pools')}</h2>
          {pools.length === 0 && <p class="muted">{t('No upstream keys configured.')}</p>}
          <ul style={{ listStyle: 'none', padding: 0, margin: 0 }} class="stack">
            {pools.map((pool) => (
              <li key={pool.provider}>
                <div class="row spread small">
                  <a href="#/upstream-keys" onClick={() => sessionStorage.setItem('gw.provider', pool.provider)}>
                    <strong>{pool.provider}</strong>
                  </a>
                  <span class="muted">
                    {t('{valid} valid · {cooling} cooling · {invalid} invalid', { valid: pool.valid, cooling: pool.cooling, invalid: pool.invalid })}
                  </span>
                </div>
                <div class="health-bar" aria-hidden="true">
                  <div class="ok" style={{ flex: pool.valid }} />
                  <div class="warn" style={{ flex: pool.cooling }} />
                  <div class="bad" style={{ flex: pool.invalid }} />
                </div>
              </li>
            ))}
          </ul>
        </div>
      </section>
    </div>
  );
}

function Stat(props: { label: string; value: string; tone?: 'bad' }) {
  return (
    <div class="card stat">
      <div class="label">{props.label}</div>
      <div class="value" style={props.tone === 'bad' ? { color: 'var(--bad)' } : undefined}>
        {props.value}
      </div>
    </div>
  );
}
