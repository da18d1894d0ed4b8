import { useState } from 'preact/hooks';
import { api } from '../../shared/api.js';
import { formatNumber, formatTime, formatUsd } from '../../shared/format.js';
import { t } from '../../shared/i18n.js';
import { usePreference } from '../../shared/preference.js';
import { theme } from '../../shared/theme.js';
import { ActionsHeader, EmptyRow, CopyButton, Dialog, errorText, Notice, StatusBadge, usePoll } from '../../shared/ui.js';
import { LineChart } from '../chart.js';

const LIMITS = [
  ['rpm', 'Requests per minute'],
  ['tpm', 'Tokens per minute'],
  ['max_concurrent', 'Calls at once'],
] as const;
const BUDGETS = [
  ['requests_per_day', 'Requests per day'],
  ['requests_per_month', 'Requests per month'],
  ['requests_total', 'Requests in total'],
  ['tokens_per_day', 'Tokens per day'],
  ['tokens_per_month', 'Tokens per month'],
  ['tokens_total', 'Tokens in total'],
  ['usd_per_day', 'USD per day'],
  ['usd_per_month', 'USD per month'],
  ['usd_total', 'USD in total'],
] as const;

type LimitName = (typeof LIMITS)[number][0];
type BudgetName = (typeof BUDGETS)[number][0];

export interface ClientKeyView {
  id: string;
  name: string;
  description: string | null;
  key_hint: string;
  status: string;
  models: string[];
  default_model: string | null;
  expires_at: string | null;
  limits: Record<LimitName, number | null>;
  budgets: Record<BudgetName, number | null>;
  created_at: string;
}

/** The form's fields as text, as inputs hold them. */
type Draft = Record<string, string>;

const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function draftOf(key: ClientKeyView | undefined): Draft {
  const draft: Draft = {
    name: key?.name ?? '',
    description: key?.description ?? '',
    models: key?.models.join(', ') ?? '',
    default_model: key?.default_model ?? '',
    expires_at: toLocalInput(key?.expires_at ?? null),
  };
  for (const [name] of LIMITS) draft[name] = key?.limits[name]?.toString() ?? '';
  for (const [name] of BUDGETS) draft[name] = key?.budgets[name]?.toString() ?? '';
  return draft;
}

/** The API body for a draft: empty fields are null (cleared) when editing and left out when creating. */
function bodyOf(draft: Draft, editing: boolean) {
  const empty = editing ? null : undefined;
  const text = (value: string) => (value.trim() === '' ? empty : value.trim());
  const number = (value: string) => (value.trim() === '' ? empty : Number(value));
  return {
    name: draft.name.trim(),
    description: text(draft.description),
    models: draft.models.split(',').map((model) => model.trim()).filter((model) => model !== ''),
    default_model: text(draft.default_model),
    expires_at: draft.expires_at === '' ? empty : new Date(draft.expires_at).toISOString(),
    limits: Object.fromEntries(LIMITS.map(([name]) => [name, number(draft[name])])),
    budgets: Object.fromEntries(BUDGETS.map(([name]) => [name, number(draft[name])])),
  };
}

function limitSummary(key: ClientKeyView): string {
  const parts = [
    ...LIMITS.filter(([name]) => key.limits[name] !== null).map(([name]) => `${name} ${formatNumber(key.limits[name])}`),
    ...BUDGETS.filter(([name]) => key.budgets[name] !== null).map(([name]) => `${name} ${name.startsWith('usd') ? formatUsd(key.budgets[name]) : formatNumber(key.budgets[name])}`),
  ];
  return parts.length === 0 ? t('unlimited') : parts.join(' · ');
}

export function ClientKeysPage() {
  const [keys, setKeys] = useState<ClientKeyView[]>([]);
  const [message, setMessage] = useState<{ tone?: 'bad' | 'ok'; text: string } | null>(null);
  const [editing, setEditing] = useState<{ key?: ClientKeyView } | null>(null);
  const [secret, setSecret] = useState<{ name: string; key: string } | null>(null);
  const [usageOf, setUsageOf] = useState<ClientKeyView | null>(null);

  const refresh = usePoll(
    async () => {
      try {
        setKeys((await api<{ data: ClientKeyView[] }>('/admin/api/client-keys')).data);
      } catch (failure) {
        setMessage({ tone: 'bad', text: errorText(failure) });
      }
    },
    15_000,
    [],
  );

  const act = async (work: () => Promise<string | void>) => {
    setMessage(null);
    try {
      const text = await work();
      if (text) setMessage({ tone: 'ok', text });
    } catch (failure) {
      setMessage({ tone: 'bad', text: errorText(failure) });
    }
    refresh();
  };

  return (
    <div class="stack">
      <div class="page-head">
        <h1>{t('Client keys')}</h1>
        <button type="button" class="primary" onClick={() => setEditing({})}>
          + {t('New client key')}
        </button>
      </div>
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      {secret && (
        <div class="card stack" role="status">
          <h2>{t('The key for {name}', { name: secret.name })}</h2>
          <p class="muted small">{t('Copy it now: it is shown only once. The gateway keeps only its hash.')}</p>
          <div class="row">
            <code class="secret grow" data-testid="new-secret">
              {secret.key}
            </code>
            <CopyButton class="primary" text={() => secret.key} />
            <button type="button" onClick={() => setSecret(null)}>
              {t('Done')}
            </button>
          </div>
        </div>
      )}
      <div class="table-wrap stack">
        <table>
          <thead>
            <tr>
              <th>{t('Name')}</th>
              <th>{t('Status')}</th>
              <th>{t('Models')}</th>
              <th>{t('Limits and budgets')}</th>
              <th>{t('Expires')}</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-client-key={key.name}>
                <td data-label={t('Name')}>
                  <strong>{key.name}</strong>
                  <div class="small muted mono">{key.key_hint}</div>
                </td>
                <td data-label={t('Status')}>
                  <StatusBadge status={key.status} />
                </td>
                <td class="small" data-label={t('Models')}>{key.models.length === 0 ? t('all') : key.models.join(', ')}</td>
                <td class="small" data-label={t('Limits and budgets')}>{limitSummary(key)}</td>
                <td class="small" data-label={t('Expires')}>{key.expires_at ? formatTime(key.expires_at) : t('never')}</td>
                <td>
                  <div class="row" style={{ flexWrap: 'nowrap' }}>
                    <button type="button" class="small" onClick={() => setUsageOf(key)}>
                      {t('Usage')}
                    </button>
                    <button type="button" class="small" onClick={() => setEditing({ key })}>
                      {t('Edit')}
                    </button>
                    <button
                      type="button"
                      class="small"
                      onClick={() => act(() => api(`/admin/api/client-keys/${key.id}/${key.status === 'disabled' ? 'enable' : 'disable'}`, { method: 'POST' }).then(() => undefined))}
                    >
                      {key.status === 'disabled' ? t('Enable') : t('Disable')}
                    </button>
                    <button
                      type="button"
                      class="small danger"
                      onClick={() => {
                        if (confirm(t('Delete the key {name}? Its callers are refused from now on.', { name: key.name }))) {
                          void act(() => api(`/admin/api/client-keys/${key.id}`, { method: 'DELETE' }).then(() => t('Deleted {name}.', { name: key.name })));
                        }
                      }}
                    >
                      {t('Delete')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {keys.length === 0 && <EmptyRow columns={6} text={t('No client keys yet.')} />}
          </tbody>
        </table>
      </div>
      {editing && (
        <KeyForm
          key={editing.key?.id ?? 'new'}
          original={editing.key}
          onClose={() => setEditing(null)}
          onSaved={(name, created) => {
            setEditing(null);
            if (created) setSecret({ name, key: created });
            else setMessage({ tone: 'ok', text: t('Saved {name}.', { name }) });
            refresh();
          }}
        />
      )}
      {usageOf && <KeyUsage clientKey={usageOf} onClose={() => setUsageOf(null)} />}
    </div>
  );
}

function KeyForm(props: { original: ClientKeyView | undefined; onClose: () => void; onSaved: (name: string, secret?: string) => void }) {
  const [draft, setDraft] = useState(() => draftOf(props.original));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = (name: string, label: string, type = 'text', extra: Record<string, unknown> = {}) => (
    <label class="field">
      <span>{t(label)}</span>
      <input type={type} name={name} value={draft[name]} onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })} {...extra} />
    </label>
  );
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = bodyOf(draft, props.original !== undefined);
      if (props.original) {
        await api(`/admin/api/client-keys/${props.original.id}`, { method: 'PATCH', body });
        props.onSaved(body.name);
      } else {
        const created = await api<{ key: string }>('/admin/api/client-keys', { method: 'POST', body });
        props.onSaved(body.name, created.key);
      }
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      title={props.original ? t('Edit {name}', { name: props.original.name }) : t('New client key')}
      onClose={props.onClose}
      footer={
        <>
          <button type="button" onClick={props.onClose}>
            {t('Cancel')}
          </button>
          <button type="submit" form="client-key-form" class="primary" disabled={busy || draft.name.trim() === ''}>
            {props.original ? t('Save') : t('Create')}
          </button>
        </>
      }
    >
      <form
        id="client-key-form"
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        {error && <Notice tone="bad">{error}</Notice>}
        <div class="fields">
          {field('name', 'Name', 'text', { required: true })}
          {field('description', 'Description')}
          {field('models', 'Allowed models (comma separated, globs allowed; empty: all)')}
          {field('default_model', 'Default model')}
          {field('expires_at', 'Expires', 'datetime-local')}
        </div>
        <fieldset>
          <legend>{t('Limits')}</legend>
          <div class="fields">{LIMITS.map(([name, label]) => field(name, label, 'number', { min: 1, step: 1 }))}</div>
        </fieldset>
        <fieldset>
          <legend>{t('Budgets')}</legend>
          <div class="fields">{BUDGETS.map(([name, label]) => field(name, label, 'number', { min: 0, step: name.startsWith('usd') ? 0.01 : 1 }))}</div>
        </fieldset>
      </form>
    </Dialog>
  );
}

interface UsageWindow {
  window: string;
  requests: number;
  total_tokens: number;
  cost_usd: number;
}

function KeyUsage(props: { clientKey: ClientKeyView; onClose: () => void }) {
  const [windows, setWindows] = useState<UsageWindow[] | null>(null);
  const [counters, setCounters] = useState<Record<string, number> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const themeKey = usePreference(theme);
  usePoll(
    async () => {
      try {
        const [usage, detail] = await Promise.all([
          api<{ windows: UsageWindow[] }>(`/admin/api/usage?period=day&count=30&client_key=${encodeURIComponent(props.clientKey.id)}`),
          api<{ usage: Record<string, number> }>(`/admin/api/client-keys/${props.clientKey.id}`),
        ]);
        setWindows([...usage.windows].reverse());
        setCounters(detail.usage);
      } catch (failure) {
        setError(errorText(failure));
      }
    },
    10_000,
    [props.clientKey.id],
  );
  const ids = windows?.map((window) => window.window) ?? [];
  return (
    <Dialog open title={t('Usage of {name}', { name: props.clientKey.name })} onClose={props.onClose}>
      {error && <Notice tone="bad">{error}</Notice>}
      {counters && (
        <div class="cards" style={{ marginBottom: '1rem' }}>
          {[
            ['Requests today', formatNumber(counters.requests_today)],
            ['Tokens today', formatNumber(counters.tokens_today)],
            ['Requests this month', formatNumber(counters.requests_this_month)],
            ['USD this month', formatUsd(counters.usd_this_month)],
            ['Calls in flight', formatNumber(counters.in_flight)],
          ].map(([label, value]) => (
            <div class="card stat" key={label}>
              <div class="label">{t(label)}</div>
              <div class="value">{value}</div>
            </div>
          ))}
        </div>
      )}
      {windows && (
        <LineChart
          windows={ids}
          themeKey={themeKey}
          label={t('Requests and tokens per day')}
          format={formatNumber}
          series={[
            { label: t('Calls'), values: windows.map((window) => window.requests) },
            { label: t('Tokens'), values: windows.map((window) => window.total_tokens) },
          ]}
        />
      )}
    </Dialog>
  );
}
