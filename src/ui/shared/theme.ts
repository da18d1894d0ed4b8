import { Preference } from './preference.js';

export type Theme = 'light' | 'dark';

const systemTheme = (): Theme => (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

/** Light or dark: the system's choice until the user toggles it. */
export const theme = new Preference<Theme>('gw.theme', ['light', 'dark'], systemTheme);

export function applyTheme(value: Theme = theme.current): void {
  document.documentElement.dataset.theme = value;
}

theme.subscribe(applyTheme);
