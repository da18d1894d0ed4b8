import { useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../../shared/api.js';
import { formatNumber, formatTime } from '../../shared/format.js';
import { t } from '../../shared/i18n.js';
import { ActionsHeader, EmptyRow, copyText, errorText, Notice, StatusBadge, usePoll } from '../../shared/ui.js';

export interface UpstreamKey {
  id: string;
  key: string | null;
  source: 'config' | 'runtime';
  status: 'valid' | 'cooling' | 'invalid';
  cooling_until: string | null;
  failures: number;
  last_status: number | null;
  last_error: string | null;
  calls: number;
  last_used_at: string | null;
}

export interface PoolView {
  provider: string;
  total: number;
  valid: number;
  cooling: number;
  invalid: number;
  keys: UpstreamKey[];
}

/** Keys pasted one per line or separated by commas or spaces; repeats within the paste are reported, not sent twice. */
export function parseKeyList(text: string): { keys: string[]; repeated: number } {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== '');
  const keys = [...new Set(entries)];
  return { keys, repeated: entries.length - keys.length };
}

/** Ids are verified a few at a time, so the progress bar moves and no single request runs long. */
const VERIFY_BATCH = 3;

export function UpstreamKeysPage() {
  const [pools, setPools] = useState<PoolView[]>([]);
  const [provider, setProvider] = useState(() => sessionStorage.getItem('gw.provider') ?? '');
  const [filter, setFilter] = useState<'all' | UpstreamKey['status']>('all');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [message, setMessage] = useState<{ tone?: 'bad' | 'ok'; text: string } | null>(null);
  const [paste, setPaste] = useState('');

  const asked = useRef(0);
  const refresh = usePoll(
    async () => {
      try {
        // Refreshes overlap while keys are verified; only the latest one asked for is shown.
        const ask = ++asked.current;
        const answer = await api<{ providers: PoolView[] }>('/admin/api/upstream-keys');
        if (ask === asked.current) setPools(answer.providers);
      } catch (failure) {
        setMessage({ tone: 'bad', text: errorText(failure) });
      }
    },
    10_000,
    [],
  );

  const pool = pools.find((entry) => entry.provider === provider) ?? pools[0];
  const base = pool ? `/admin/api/upstream-keys/${encodeURIComponent(pool.provider)}` : '';
  const keys = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (pool?.keys ?? []).filter(
      (key) => (filter === 'all' || key.status === filter) && (needle === '' || [key.id, key.key ?? '', key.last_error ?? ''].some((text) => text.toLowerCase().includes(needle))),
    );
  }, [pool, filter, search]);
  const selectedIds = keys.filter((key) => selected.has(key.id)).map((key) => key.id);

  const choose = (next: string) => {
    setProvider(next);
    sessionStorage.setItem('gw.provider', next);
    setSelected(new Set());
  };

  const act = async (work: () => Promise<string>) => {
    setMessage(null);
    try {
      setMessage({ tone: 'ok', text: await work() });
    } catch (failure) {
      setMessage({ tone: 'bad', text: errorText(failure) });
    }
    refresh();
  };

  const verify = (ids: string[]) =>
    act(async () => {
      setProgress({ done: 0, total: ids.length });
      let good = 0;
      try {
        for (let start = 0; start < ids.length; start += VERIFY_BATCH) {
          const batch = ids.slice(start, start + VERIFY_BATCH);
          const answer = await api<{ results: { status: string }[] }>(`${base}/verify`, { method: 'POST', body: { ids: batch } });
          good += answer.results.filter((result) => result.status === 'valid').length;
          setProgress({ done: Math.min(ids.length, start + batch.length), total: ids.length });
          refresh();
        }
      } finally {
        setTimeout(() => setProgress(null), 800);
      }
      return t('Verified {count} keys: {good} work.', { count: ids.length, good });
    });

  const copy = (status: 'valid' | 'invalid') =>
    act(async () => {
      const revealed = await api<PoolView>(`${base}?reveal=true`);
      const secrets = revealed.keys.filter((key) => key.status === status && key.key).map((key) => key.key!);
      await copyText(secrets.join('\n'));
      return t('Copied {count} keys.', { count: secrets.length });
    });

  if (pools.length === 0) {
    return (
      <div class="stack">
        <h1>{t('Upstream keys')}</h1>
        {message ? <Notice tone={message.tone}>{message.text}</Notice> : <p class="muted">{t('No provider is configured.')}</p>}
      </div>
    );
  }

  return (
    <div class="stack">
      <div class="page-head">
        <h1>{t('Upstream keys')}</h1>
        <label class="row">
          <span class="small muted">{t('Provider')}</span>
          <select value={pool?.provider} onChange={(event) => choose(event.currentTarget.value)}>
            {pools.map((entry) => (
              <option key={entry.provider} value={entry.provider}>
                {entry.provider} ({entry.valid}/{entry.total})
              </option>
            ))}
          </select>
        </label>
      </div>
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      {progress && (
        <div class="row" role="status" aria-live="polite">
          <span class="small">{t('Verifying {done} of {total}', progress)}</span>
          <div class="progress grow" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done} aria-label={t('Verification progress')}>
            <div style={{ width: `${(100 * progress.done) / Math.max(1, progress.total)}%` }} />
          </div>
        </div>
      )}
      <div class="toolbar">
        <input type="search" placeholder={t('Search id, key or error')} aria-label={t('Search')} value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
        <select aria-label={t('Status')} value={filter} onChange={(event) => setFilter(event.currentTarget.value as typeof filter)}>
          <option value="all">{t('All statuses')}</option>
          <option value="valid">{t('valid')}</option>
          <option value="cooling">{t('cooling')}</option>
          <option value="invalid">{t('invalid')}</option>
        </select>
        <span class="grow" />
        <button type="button" disabled={progress !== null || keys.length === 0} onClick={() => verify(selectedIds.length > 0 ? selectedIds : keys.map((key) => key.id))}>
          {selectedIds.length > 0 ? t('Verify selected ({count})', { count: selectedIds.length }) : t('Verify all')}
        </button>
        <button
          type="button"
          disabled={keys.length === 0}
          onClick={() =>
            act(async () => {
              const ids = selectedIds.length > 0 ? selectedIds : undefined;
              await api(`${base}/reset`, { method: 'POST', body: ids ? { ids } : {} });
              return t('Failure counts reset.');
            })
          }
        >
          {selectedIds.length > 0 ? t('Reset selected') : t('Reset all')}
        </button>
        <button
          type="button"
          class="danger"
          disabled={selectedIds.length === 0}
          onClick={() => {
            if (!confirm(t('Delete {count} keys?', { count: selectedIds.length }))) return;
            void act(async () => {
              await api(`${base}/remove`, { method: 'POST', body: { ids: selectedIds } });
              setSelected(new Set());
              return t('Deleted {count} keys.', { count: selectedIds.length });
            });
          }}
        >
          {t('Delete selected')}
        </button>
        <button type="button" onClick={() => copy('valid')}>
          {t('Copy valid')}
        </button>
        <button type="button" onClick={() => copy('invalid')}>
          {t('Copy invalid')}
        </button>
      </div>
      <div class="table-wrap stack">
        <table>
          <thead>
            <tr>
              <th class="select-all" data-label={t('Select all')}>
                <input
                  type="checkbox"
                  aria-label={t('Select all')}
                  checked={keys.length > 0 && selectedIds.length === keys.length}
                  onChange={(event) => setSelected(event.currentTarget.checked ? new Set(keys.map((key) => key.id)) : new Set())}
                />
              </th>
              <th>{t('Key')}</th>
              <th>{t('Status')}</th>
              <th class="num">{t('Failures')}</th>
              <th>{t('Last error')}</th>
              <th class="num">{t('Calls')}</th>
              <th>{t('Last use')}</th>
              <ActionsHeader />
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-key-id={key.id} class={selected.has(key.id) ? 'selected' : ''}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={t('Select {key}', { key: key.key ?? key.id })}
                    checked={selected.has(key.id)}
                    onChange={(event) => {
                      const next = new Set(selected);
                      if (event.currentTarget.checked) next.add(key.id);
                      else next.delete(key.id);
                      setSelected(next);
                    }}
                  />
                </td>
                <td data-label={t('Key')}>
                  <div class="mono">{key.key ?? key.id}</div>
                  <div class="small muted">
                    {key.id} · {t(key.source)}
                  </div>
                </td>
                <td data-label={t('Status')}>
                  <StatusBadge status={key.status} />
                  {key.cooling_until && <div class="small muted">{t('until {time}', { time: formatTime(key.cooling_until) })}</div>}
                </td>
                <td class="num" data-label={t('Failures')}>{key.failures}</td>
                <td class="error-text small" data-label={t('Last error')}>{key.last_error ? `${key.last_status ?? ''} ${key.last_error}` : ''}</td>
                <td class="num" data-label={t('Calls')}>{formatNumber(key.calls)}</td>
                <td class="small" data-label={t('Last use')}>{formatTime(key.last_used_at)}</td>
                <td>
                  <div class="row" style={{ flexWrap: 'nowrap' }}>
                    <button type="button" class="small" onClick={() => verify([key.id])} disabled={progress !== null}>
                      {t('Verify')}
                    </button>
                    <button type="button" class="small" onClick={() => act(async () => (await api(`${base}/reset`, { method: 'POST', body: { ids: [key.id] } }), t('Failure counts reset.')))}>
                      {t('Reset')}
                    </button>
                    <button
                      type="button"
                      class="small danger"
                      aria-label={t('Delete {key}', { key: key.key ?? key.id })}
                      onClick={() => {
                        if (confirm(t('Delete {count} keys?', { count: 1 }))) void act(async () => (await api(`${base}/${key.id}`, { method: 'DELETE' }), t('Deleted {count} keys.', { count: 1 })));
                      }}
                    >
                      ✕
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {keys.length === 0 && <EmptyRow columns={8} text={t('No keys match.')} />}
          </tbody>
        </table>
      </div>
      <form
        class="card stack"
        onSubmit={(event) => {
          event.preventDefault();
          const { keys: entries, repeated } = parseKeyList(paste);
          if (entries.length === 0) return;
          void act(async () => {
            const answer = await api<{ added: string[]; already_present: number }>(base, { method: 'POST', body: { keys: entries } });
            setPaste('');
            return t('Added {added} keys; {present} were already in the pool, {repeated} repeated in the list.', { added: answer.added.length, present: answer.already_present, repeated });
          });
        }}
      >
        <h2>{t('Add keys to {provider}', { provider: pool?.provider ?? '' })}</h2>
        <label class="field">
          <span>{t('Keys, one per line or separated by commas')}</span>
          <textarea rows={4} value={paste} onInput={(event) => setPaste(event.currentTarget.value)} spellcheck={false} autoComplete="off" />
        </label>
        <div>
          <button type="submit" class="primary" disabled={paste.trim() === ''}>
            {t('Add keys')}
          </button>
        </div>
      </form>
    </div>
  );
}
