import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { language, t, useLanguage } from './i18n.js';
import { usePreference } from './preference.js';
import { theme } from './theme.js';

/** A modal dialog on the native <dialog>: focus is trapped and Escape closes it. */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ComponentChildren; footer?: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} onClose={props.onClose} aria-label={props.title}>
      {props.open && (
        <>
          <header>
            <h2 style={{ margin: 0 }}>{props.title}</h2>
            <button class="ghost" onClick={props.onClose} aria-label={t('Close')}>
              ✕
            </button>
          </header>
          <div class="dialog-body">{props.children}</div>
          {props.footer && <footer>{props.footer}</footer>}
        </>
      )}
    </dialog>
  );
}

const STATUS_TONE: Record<string, string> = {
  valid: 'ok',
  active: 'ok',
  healthy: 'ok',
  success: 'ok',
  ok: 'ok',
  cooling: 'warn',
  degraded: 'warn',
  expired: 'warn',
  invalid: 'bad',
  disabled: 'bad',
  error: 'bad',
  shutting_down: 'bad',
};

export function StatusBadge(props: { status: string }) {
  return <span class={`badge ${STATUS_TONE[props.status] ?? ''}`}>{t(props.status)}</span>;
}

/** Copies text to the clipboard; where the browser refuses, shows it selected for Ctrl+C. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    window.prompt(t('Copy this text:'), text);
    return false;
  }
}

export function CopyButton(props: { text: () => string | Promise<string>; label?: string; class?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class={props.class}
      onClick={async () => {
        if (await copyText(await props.text())) {
          setDone(true);
          setTimeout(() => setDone(false), 1500);
        }
      }}
    >
      {done ? `✓ ${t('Copied')}` : (props.label ?? t('Copy'))}
    </button>
  );
}

export function Notice(props: { tone?: 'bad' | 'ok'; children: ComponentChildren }) {
  return (
    <div class={`notice ${props.tone ?? ''}`} role={props.tone === 'bad' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** The language and theme switches every page carries. */
export function PreferenceControls() {
  const lang = useLanguage();
  const current = usePreference(theme);
  return (
    <div class="row">
      <button type="button" class="small" onClick={() => language.set(lang === 'en' ? 'zh' : 'en')} aria-label={t('Switch language')} lang={lang === 'en' ? 'zh' : 'en'}>
        {lang === 'en' ? '中文' : 'English'}
      </button>
      <button type="button" class="small" onClick={() => theme.set(current === 'dark' ? 'light' : 'dark')} aria-label={current === 'dark' ? t('Light theme') : t('Dark theme')}>
        {current === 'dark' ? '☀' : '☾'}
      </button>
    </div>
  );
}

/** Runs `task` now and every `intervalMs` while the page is visible; returns a function to run it again at once. */
export function usePoll(task: () => Promise<void> | void, intervalMs: number, deps: unknown[]): () => void {
  const latest = useRef(task);
  latest.current = task;
  useEffect(() => {
    let stopped = false;
    const run = () => {
      if (!stopped && document.visibilityState !== 'hidden') void latest.current();
    };
    run();
    const timer = setInterval(run, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  return () => void latest.current();
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The last header cell of a table whose rows end in buttons: named for screen readers only. */
export function ActionsHeader() {
  return (
    <th>
      <span class="visually-hidden">{t('Actions')}</span>
    </th>
  );
}

/** The one row of a table with nothing to show. */
export function EmptyRow(props: { columns: number; text: string }) {
  return (
    <tr>
      <td colSpan={props.columns} class="muted">
        {props.text}
      </td>
    </tr>
  );
}
