import { useEffect, useState } from 'preact/hooks';
import { api } from '../../shared/api.js';
import { formatMs, formatNumber, formatTime, formatUsd } from '../../shared/format.js';
import { t } from '../../shared/i18n.js';
import { Dialog, errorText, Notice } from '../../shared/ui.js';

interface RequestRecord {
  id: string;
  time: string;
  request_id: string;
  client_key: string;
  client_name: string;
  client_hint: string;
  endpoint: string;
  model: string | null;
  provider: string | null;
  upstream_key: string | null;
  stream: boolean;
  status: number;
  latency_ms: number;
  attempts: number;
  usage: Record<string, number | boolean>;
  cost_usd: number | null;
  error: string | null;
  request_excerpt?: string;
  response_excerpt?: string;
}

interface ErrorRecord {
  id: string;
  time: string;
  request_id: string;
  client_name: string;
  provider: string;
  model: string | null;
  upstream_key: string | null;
  status: number;
  code: string | null;
  message: string;
}

type Kind = 'requests' | 'errors';
const FILTERS: Record<Kind, [string, string][]> = {
  requests: [
    ['model', 'Model'],
    ['provider', 'Upstream'],
    ['client_key', 'Client key id'],
    ['status', 'Status (code, error, success)'],
  ],
  errors: [
    ['provider', 'Upstream'],
    ['upstream_key', 'Upstream key id'],
    ['status', 'Status code'],
  ],
};
const PAGE_SIZE = 50;

function queryOf(filters: Record<string, string>, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [name, value] of Object.entries(filters)) {
    if (value.trim() === '') continue;
    query.set(name, name === 'from' || name === 'to' ? new Date(value).toISOString() : value.trim());
  }
  if (cursor) query.set('cursor', cursor);
  return query.toString();
}

export function LogsPage() {
  const [kind, setKind] = useState<Kind>('requests');
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [applied, setApplied] = useState<Record<string, string>>({});
  const [records, setRecords] = useState<(RequestRecord | ErrorRecord)[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [detail, setDetail] = useState<RequestRecord | null>(null);

  const load = async (cursor: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const path = kind === 'requests' ? '/admin/api/logs' : '/admin/api/logs/errors';
      const page = await api<{ data: (RequestRecord | ErrorRecord)[]; next_cursor: string | null }>(`${path}?${queryOf(applied, cursor)}`);
      setRecords(cursor ? [...records, ...page.data] : page.data);
      setNext(page.next_cursor);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load(null);
  }, [kind, applied]);

  const input = (name: string, label: string, type = 'text') => (
    <label class="field" key={name}>
      <span>{t(label)}</span>
      <input type={type} value={filters[name] ?? ''} onInput={(event) => setFilters({ ...filters, [name]: event.currentTarget.value })} />
    </label>
  );

  return (
    <div class="stack">
      <div class="page-head">
        <h1>{t('Logs')}</h1>
        <div class="segmented" role="group" aria-label={t('Log')}>
          {(['requests', 'errors'] as const).map((value) => (
            <button
              type="button"
              key={value}
              aria-pressed={kind === value}
              onClick={() => {
                setKind(value);
                setFilters({});
                setApplied({});
              }}
            >
              {value === 'requests' ? t('Request log') : t('Error log')}
            </button>
          ))}
        </div>
      </div>
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ ...filters });
        }}
      >
        <div class="fields">
          {input('from', 'From', 'datetime-local')}
          {input('to', 'To', 'datetime-local')}
          {FILTERS[kind].map(([name, label]) => input(name, label))}
        </div>
        <div class="row" style={{ marginTop: '.75rem' }}>
          <button type="submit" class="primary">
            {t('Apply filters')}
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters({});
              setApplied({});
            }}
          >
            {t('Clear')}
          </button>
          <button type="button" onClick={() => void load(null)}>
            {t('Refresh')}
          </button>
        </div>
      </form>
      {error && <Notice tone="bad">{error}</Notice>}
      <div class="table-wrap stack">
        {kind === 'requests' ? (
          <table>
            <thead>
              <tr>
                <th>{t('Time')}</th>
                <th>{t('Client key')}</th>
                <th>{t('Model')}</th>
                <th>{t('Upstream')}</th>
                <th class="num">{t('Status')}</th>
                <th class="num">{t('Tokens')}</th>
                <th class="num">{t('Latency')}</th>
                <th class="num">{t('Attempts')}</th>
              </tr>
            </thead>
            <tbody>
              {(records as RequestRecord[]).map((record) => (
                <tr
                  key={record.id}
                  class="clickable"
                  tabIndex={0}
                  onClick={() => setDetail(record)}
                  onKeyDown={(event) => (event.key === 'Enter' || event.key === ' ') && (event.preventDefault(), setDetail(record))}
                  aria-label={t('Details of the call at {time}', { time: formatTime(record.time) })}
                >
                  <td class="small" data-label={t('Time')}>{formatTime(record.time)}</td>
                  <td data-label={t('Client key')}>{record.client_name}</td>
                  <td class="mono" data-label={t('Model')}>{record.model ?? '–'}</td>
                  <td data-label={t('Upstream')}>{record.provider ?? '–'}</td>
                  <td class="num" data-label={t('Status')}>
                    <span class={`badge ${record.status < 400 ? 'ok' : 'bad'}`}>{record.status}</span>
                  </td>
                  <td class="num" data-label={t('Tokens')}>{formatNumber(record.usage.total_tokens as number)}</td>
                  <td class="num" data-label={t('Latency')}>{formatMs(record.latency_ms)}</td>
                  <td class="num" data-label={t('Attempts')}>{record.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <table>
            <thead>
              <tr>
                <th>{t('Time')}</th>
                <th>{t('Upstream')}</th>
                <th>{t('Key')}</th>
                <th>{t('Model')}</th>
                <th class="num">{t('Status')}</th>
                <th>{t('Message')}</th>
              </tr>
            </thead>
            <tbody>
              {(records as ErrorRecord[]).map((record) => (
                <tr key={record.id}>
                  <td class="small" data-label={t('Time')}>{formatTime(record.time)}</td>
                  <td data-label={t('Upstream')}>{record.provider}</td>
                  <td class="mono small" data-label={t('Key')}>{record.upstream_key ?? '–'}</td>
                  <td class="mono" data-label={t('Model')}>{record.model ?? '–'}</td>
                  <td class="num" data-label={t('Status')}>
                    <span class="badge bad">{record.status}</span>
                  </td>
                  <td class="error-text small" data-label={t('Message')}>
                    {record.code ? `${record.code}: ` : ''}
                    {record.message}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {records.length === 0 && !loading && <p class="muted" style={{ padding: '1rem', margin: 0 }}>{t('Nothing logged in this range.')}</p>}
      </div>
      {next && (
        <button type="button" onClick={() => void load(next)} disabled={loading}>
          {loading ? t('Loading…') : t('Load more')}
        </button>
      )}
      {detail && <CallDetail record={detail} onClose={() => setDetail(null)} />}
    </div>
  );
}

/** One call: its route, attempts (with the failed upstream attempts from the error log), timings, tokens and cost. */
function CallDetail(props: { record: RequestRecord; onClose: () => void }) {
  const { record } = props;
  const [failures, setFailures] = useState<ErrorRecord[] | null>(null);
  useEffect(() => {
    if (record.attempts <= 1 && record.status < 400) {
      setFailures([]);
      return;
    }
    const from = new Date(Date.parse(record.time) - 1000).toISOString();
    const to = new Date(Date.parse(record.time) + record.latency_ms + 5000).toISOString();
    api<{ data: ErrorRecord[] }>(`/admin/api/logs/errors?${new URLSearchParams({ from, to, limit: '200' })}`)
      .then((page) => setFailures(page.data.filter((entry) => entry.request_id === record.request_id).reverse()))
      .catch(() => setFailures([]));
  }, [record.id]);
  const rows: [string, string][] = [
    ['Time', formatTime(record.time)],
    ['Request id', record.request_id],
    ['Client key', `${record.client_name} (${record.client_key}, …${record.client_hint})`],
    ['Endpoint', `${record.endpoint}${record.stream ? ' (stream)' : ''}`],
    ['Model', record.model ?? '–'],
    ['Upstream', record.provider ?? '–'],
    ['Upstream key', record.upstream_key ?? '–'],
    ['Status', String(record.status)],
    ['Latency', formatMs(record.latency_ms)],
    ['Attempts', String(record.attempts)],
    ['Prompt tokens', formatNumber(record.usage.prompt_tokens as number)],
    ['Completion tokens', formatNumber(record.usage.completion_tokens as number)],
    ['Reasoning tokens', formatNumber(record.usage.reasoning_tokens as number)],
    ['Cached tokens', formatNumber(record.usage.cached_tokens as number)],
    ['Cost', record.cost_usd === null ? t('not priced') : formatUsd(record.cost_usd)],
  ];
  return (
    <Dialog open title={t('Call details')} onClose={props.onClose}>
      <table>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row" style={{ position: 'static', width: '40%' }}>
                {t(label)}
              </th>
              <td class="mono">{value}</td>
            </tr>
          ))}
          {record.usage.estimated && (
            <tr>
              <td colSpan={2} class="muted small">
                {t('The upstream reported no usage: tokens are estimated.')}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {record.error && <Notice tone="bad">{record.error}</Notice>}
      <h3 style={{ marginTop: '1rem' }}>{t('Failed attempts')}</h3>
      {failures === null ? (
        <p class="muted">{t('Loading…')}</p>
      ) : failures.length === 0 ? (
        <p class="muted">{t('None: the first attempt answered.')}</p>
      ) : (
        <ol>
          {failures.map((failure) => (
            <li key={failure.id} class="small">
              <strong>{failure.provider}</strong> {failure.upstream_key ?? ''} → {failure.status} {failure.code ?? ''}: {failure.message}
            </li>
          ))}
        </ol>
      )}
      {(record.request_excerpt || record.response_excerpt) && (
        <>
          <h3>{t('Excerpts (body logging is on)')}</h3>
          {record.request_excerpt && <pre class="secret small">{record.request_excerpt}</pre>}
          {record.response_excerpt && <pre class="secret small">{record.response_excerpt}</pre>}
        </>
      )}
    </Dialog>
  );
}
