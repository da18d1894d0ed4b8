import { language } from './i18n.js';

const locale = () => (language.current === 'zh' ? 'zh-CN' : 'en-US');

export const formatNumber = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1, notation: value >= 1e6 ? 'compact' : 'standard' }).format(value);

export const formatUsd = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(locale(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${Math.floor(seconds % 60)}s`;
}
