import { usePreference, Preference } from './preference.js';
import { ZH } from './zh.js';

export type Language = 'en' | 'zh';

const browserLanguage = (): Language => (navigator.language?.toLowerCase().startsWith('zh') ? 'zh' : 'en');

/** English or 中文: the browser's language until the user switches. */
export const language = new Preference<Language>('gw.lang', ['en', 'zh'], browserLanguage);

const applyLanguage = (value: Language) => {
  document.documentElement.lang = value === 'zh' ? 'zh-CN' : 'en';
};
language.subscribe(applyLanguage);
applyLanguage(language.current);

/**
 * The text in the chosen language: English text is its own key, ZH holds the Chinese; `{name}` is replaced by
 * `values.name`.
 */
export function t(text: string, values?: Record<string, string | number>): string {
  const chosen = language.current === 'zh' ? (ZH[text] ?? text) : text;
  return values === undefined ? chosen : chosen.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** Re-renders the component when the language changes. */
export const useLanguage = (): Language => usePreference(language);
