import { useEffect, useState } from 'preact/hooks';
import { consoleSession, onSignedOut } from '../shared/api.js';
import { t, useLanguage } from '../shared/i18n.js';
import { SignInCard } from '../shared/sign-in.js';
import { errorText, Notice, PreferenceControls } from '../shared/ui.js';
import { ClientKeysPage } from './pages/client-keys.js';
import { ConfigPage } from './pages/config.js';
import { DashboardPage } from './pages/dashboard.js';
import { LogsPage } from './pages/logs.js';
import { UpstreamKeysPage } from './pages/upstream-keys.js';

const PAGES = [
  { path: 'dashboard', title: 'Dashboard', Page: DashboardPage },
  { path: 'upstream-keys', title: 'Upstream keys', Page: UpstreamKeysPage },
  { path: 'client-keys', title: 'Client keys', Page: ClientKeysPage },
  { path: 'logs', title: 'Logs', Page: LogsPage },
  { path: 'config', title: 'Config', Page: ConfigPage },
] as const;

const pageOfHash = () => PAGES.find((page) => location.hash === `#/${page.path}`) ?? PAGES[0];

/** The console: sign-in, then a page per job, chosen by the URL's hash (#/logs) so links and Back work. */
export function ConsoleApp() {
  useLanguage();
  const [state, setState] = useState<'loading' | 'signed-out' | 'signed-in'>('loading');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [page, setPage] = useState(pageOfHash);

  useEffect(() => {
    consoleSession
      .current()
      .then((session) => setState(session ? 'signed-in' : 'signed-out'))
      .catch((error) => {
        setLoadError(errorText(error));
        setState('signed-out');
      });
    const onHash = () => setPage(pageOfHash());
    window.addEventListener('hashchange', onHash);
    const stopListening = onSignedOut(() => setState('signed-out'));
    return () => {
      window.removeEventListener('hashchange', onHash);
      stopListening();
    };
  }, []);

  useEffect(() => {
    document.title = `${t(page.title)} · ${t('Gateway console')}`;
  }, [page, state]);

  if (state === 'loading') return <p class="muted" style={{ padding: '2rem' }}>{t('Loading…')}</p>;
  if (state === 'signed-out') {
    return (
      <SignInCard
        title={t('Gateway console')}
        intro={t('Sign in with the admin token (AUTH_TOKEN). It is exchanged for a session cookie and never stored in this browser.')}
        label={t('Admin token')}
        onSubmit={async (token) => {
          await consoleSession.signIn(token);
          setState('signed-in');
        }}
      >
        {loadError && <Notice tone="bad">{loadError}</Notice>}
      </SignInCard>
    );
  }
  const { Page } = page;
  return (
    <div class="shell">
      <nav class="sidebar" aria-label={t('Console sections')}>
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span class="name">{t('Gateway console')}</span>
        </div>
        <div class="nav">
          {PAGES.map((entry) => (
            <a key={entry.path} href={`#/${entry.path}`} aria-current={entry === page ? 'page' : undefined}>
              {t(entry.title)}
            </a>
          ))}
          <a href="/chat" target="_blank" rel="noopener">
            {t('Playground')} ↗
          </a>
        </div>
        <div class="bottom">
          <PreferenceControls />
          <button
            type="button"
            class="small"
            onClick={async () => {
              await consoleSession.signOut();
              setState('signed-out');
            }}
          >
            {t('Sign out')}
          </button>
        </div>
      </nav>
      <main class="main" id="main">
        <Page />
      </main>
    </div>
  );
}
