import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { t } from './i18n.js';
import { errorText, Notice, PreferenceControls } from './ui.js';

/** A sign-in card: one secret field, submitted to `onSubmit`; its error is shown under the form. */
export function SignInCard(props: { title: string; intro: string; label: string; onSubmit: (secret: string) => Promise<void>; children?: ComponentChildren }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <div class="card">
        <div class="row spread" style={{ marginBottom: '1rem' }}>
          <div class="brand" style={{ padding: 0 }}>
            <span class="logo" aria-hidden="true" />
            <span>{props.title}</span>
          </div>
          <PreferenceControls />
        </div>
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            setError(null);
            try {
              await props.onSubmit(secret.trim());
              setSecret('');
            } catch (failure) {
              setError(errorText(failure));
            } finally {
              setBusy(false);
            }
          }}
        >
          <p class="muted" style={{ margin: 0 }}>
            {props.intro}
          </p>
          <label class="field">
            <span>{props.label}</span>
            <input type="password" name="secret" autoComplete="current-password" required value={secret} onInput={(event) => setSecret(event.currentTarget.value)} />
          </label>
          {props.children}
          <button class="primary" type="submit" disabled={busy || secret.trim() === ''}>
            {busy ? t('Signing in…') : t('Sign in')}
          </button>
          {error && <Notice tone="bad">{error}</Notice>}
        </form>
      </div>
    </main>
  );
}
