import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, request } from '../../shared/api.js';
import { formatTime } from '../../shared/format.js';
import { t } from '../../shared/i18n.js';
import { ActionsHeader, Dialog, errorText, Notice } from '../../shared/ui.js';
import { changesWithContext, lineDiff, lineOfPath } from '../line-diff.js';

interface ConfigView {
  revision: number;
  source: string;
  at: string;
  by: string;
  document: unknown;
  warnings: string[];
}

interface Revision {
  revision: number;
  source: string;
  at: string;
  by: string;
  current: boolean;
  restored?: number;
}

interface Problem {
  path: string;
  message: string;
  line: number;
}

const pretty = (document: unknown) => (document === null ? '{}' : JSON.stringify(document, null, 2));
const VALIDATE_AFTER_MS = 500;

/** The line of a JSON syntax error, from the position the browser names in its message. */
function syntaxErrorLine(text: string, error: unknown): number {
  const position = /position (\d+)/.exec(errorText(error));
  return position ? text.slice(0, Number(position[1])).split('\n').length : 1;
}

export function ConfigPage() {
  const [loaded, setLoaded] = useState<{ config: ConfigView; etag: string; text: string } | null>(null);
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [message, setMessage] = useState<{ tone?: 'bad' | 'ok'; text: string } | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const [history, setHistory] = useState<Revision[]>([]);
  const [viewing, setViewing] = useState<{ revision: number; text: string } | null>(null);
  const gutter = useRef<HTMLDivElement>(null);

  const load = async () => {
    const response = await request('/admin/api/config');
    const config = (await response.json()) as ConfigView;
    const loadedText = pretty(config.document);
    setLoaded({ config, etag: response.headers.get('etag') ?? '*', text: loadedText });
    setText(loadedText);
    setHistory((await api<{ revisions: Revision[] }>('/admin/api/config/history')).revisions);
  };

  useEffect(() => {
    load().catch((error) => setMessage({ tone: 'bad', text: errorText(error) }));
  }, []);

  // Validated as you type: a JSON syntax error at once, the gateway's checks after a pause.
  useEffect(() => {
    if (!loaded) return;
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      setProblems([{ path: '', message: errorText(error), line: syntaxErrorLine(text, error) }]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api<{ valid: boolean; errors: { path: string; message: string }[] }>('/admin/api/config/validate', { method: 'POST', body: document, signal: controller.signal })
        .then((result) => setProblems(result.errors.map((error) => ({ ...error, line: lineOfPath(text, error.path) }))))
        .catch((error) => {
          if (!controller.signal.aborted) setProblems([{ path: '', message: errorText(error), line: 1 }]);
        });
    }, VALIDATE_AFTER_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, loaded]);

  const lineCount = text.split('\n').length;
  const errorLines = useMemo(() => new Set((problems ?? []).map((problem) => problem.line)), [problems]);
  const changed = loaded !== null && text !== loaded.text;
  const valid = problems !== null && problems.length === 0;

  const save = async () => {
    if (!loaded) return;
    try {
      const response = await request('/admin/api/config', { method: 'PUT', body: JSON.parse(text), headers: { 'if-match': loaded.etag } });
      const config = (await response.json()) as ConfigView;
      setReviewing(false);
      await load();
      setMessage({ tone: 'ok', text: t('Saved as revision {revision}; the gateway routes by it now.', { revision: config.revision }) });
    } catch (error) {
      setReviewing(false);
      if (error instanceof ApiError && error.status === 412) {
        setMessage({ tone: 'bad', text: t('Not saved: someone changed the config since you loaded it. Your edit is still here; reload the latest version and make it again.') });
      } else {
        setMessage({ tone: 'bad', text: errorText(error) });
      }
    }
  };

  const rollback = async (revision: number) => {
    if (!loaded || !confirm(t('Make revision {revision} current again?', { revision }))) return;
    try {
      await request('/admin/api/config/rollback', { method: 'POST', body: { revision }, headers: { 'if-match': loaded.etag } });
      await load();
      setMessage({ tone: 'ok', text: t('Rolled back to revision {revision}.', { revision }) });
    } catch (error) {
      setMessage({ tone: 'bad', text: error instanceof ApiError && error.status === 412 ? t('The config changed meanwhile; reload and try again.') : errorText(error) });
    }
  };

  return (
    <div class="stack">
      <div class="page-head">
        <h1>{t('Routing config')}</h1>
        {loaded && (
          <span class="small muted">
            {t('Revision {revision} · {source} · {time}', { revision: loaded.config.revision, source: loaded.config.source, time: formatTime(loaded.config.at) })}
          </span>
        )}
      </div>
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      <div class="toolbar">
        <button type="button" class="primary" disabled={!changed || !valid} onClick={() => setReviewing(true)}>
          {t('Review and save')}
        </button>
        <button type="button" disabled={!changed} onClick={() => loaded && setText(loaded.text)}>
          {t('Discard changes')}
        </button>
        <button
          type="button"
          onClick={() => {
            setMessage(null);
            load().catch((error) => setMessage({ tone: 'bad', text: errorText(error) }));
          }}
        >
          {t('Reload latest')}
        </button>
        <span class="small" role="status" aria-live="polite">
          {problems === null ? '' : problems.length === 0 ? <span class="badge ok">{t('Valid')}</span> : <span class="badge bad">{t('{count} problems', { count: problems.length })}</span>}
        </span>
      </div>
      <div class="editor">
        <div class="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, index) => (
            <div key={index} class={errorLines.has(index + 1) ? 'error' : ''}>
              {index + 1}
            </div>
          ))}
        </div>
        <textarea
          aria-label={t('Routing config (JSON)')}
          spellcheck={false}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
          onScroll={(event) => {
            if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
          }}
        />
      </div>
      {problems && problems.length > 0 && (
        <div class="card" role="alert">
          <h2>{t('Problems')}</h2>
          <ul class="small" style={{ margin: 0 }}>
            {problems.map((problem, index) => (
              <li key={index}>
                <strong>{t('line {line}', { line: problem.line })}</strong>
                {problem.path ? <span class="mono"> {problem.path}</span> : null}: {problem.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {loaded && loaded.config.warnings.length > 0 && <Notice>{loaded.config.warnings.join(' · ')}</Notice>}
      <div class="card">
        <h2>{t('History')}</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th class="num">{t('Revision')}</th>
                <th>{t('Time')}</th>
                <th>{t('Source')}</th>
                <th>{t('By')}</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {history.map((entry) => (
                <tr key={entry.revision} data-revision={entry.revision}>
                  <td class="num">{entry.revision}</td>
                  <td class="small">{formatTime(entry.at)}</td>
                  <td>
                    {entry.source}
                    {entry.restored !== undefined && <span class="muted small"> ({t('from {revision}', { revision: entry.restored })})</span>}
                  </td>
                  <td class="small">{entry.by}</td>
                  <td>
                    {entry.current ? (
                      <span class="badge ok">{t('current')}</span>
                    ) : (
                      <div class="row" style={{ flexWrap: 'nowrap' }}>
                        <button
                          type="button"
                          class="small"
                          onClick={async () => {
                            const answer = await api<{ document: unknown }>(`/admin/api/config/history/${entry.revision}`);
                            setViewing({ revision: entry.revision, text: pretty(answer.document) });
                          }}
                        >
                          {t('Compare')}
                        </button>
                        <button type="button" class="small" onClick={() => rollback(entry.revision)}>
                          {t('Roll back')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {reviewing && loaded && (
        <Dialog
          open
          title={t('Review the change')}
          onClose={() => setReviewing(false)}
          footer={
            <>
              <button type="button" onClick={() => setReviewing(false)}>
                {t('Keep editing')}
              </button>
              <button type="button" class="primary" onClick={save}>
                {t('Save')}
              </button>
            </>
          }
        >
          <Diff before={loaded.text} after={text} />
        </Dialog>
      )}
      {viewing && loaded && (
        <Dialog open title={t('Revision {revision} compared with the current one', { revision: viewing.revision })} onClose={() => setViewing(null)}>
          <Diff before={loaded.text} after={viewing.text} />
        </Dialog>
      )}
    </div>
  );
}

function Diff(props: { before: string; after: string }) {
  const lines = useMemo(() => changesWithContext(lineDiff(props.before, props.after)), [props.before, props.after]);
  if (!lines.some((line) => line && line.kind !== 'same')) return <p class="muted">{t('No differences.')}</p>;
  return (
    <div class="diff" aria-label={t('Changes')}>
      {lines.map((line, index) =>
        line === null ? (
          <div key={index} class="muted">
            …
          </div>
        ) : (
          <div key={index} class={line.kind}>
            {line.kind === 'add' ? '+ ' : line.kind === 'del' ? '- ' : '  '}
            {line.text}
          </div>
        ),
      )}
    </div>
  );
}
