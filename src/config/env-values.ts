import { z } from 'zod';
import { parseProxyUrl } from '../upstream/proxy/selection.js';

/**
 * Parsers for the textual values found in environment variables. Each returns a zod schema that accepts the raw
 * string (or undefined) and yields a typed value, so the env schema reads as a list of variables and their types.
 */

const isBlank = (value: unknown): boolean => value === undefined || (typeof value === 'string' && value.trim() === '');

/**
 * A list of strings written either as JSON (`["a","b"]`, the gemini-balance style) or comma/newline separated
 * (`a,b`). Blank entries are dropped; an absent or empty value is an empty list.
 */
export const stringList = () =>
  z.preprocess((value, ctx) => {
    if (isBlank(value)) return [];
    if (typeof value !== 'string') return value;
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (Array.isArray(parsed)) return parsed.map((item) => (typeof item === 'string' ? item.trim() : item));
      } catch {
        // fall through to the error below
      }
      ctx.addIssue({ code: 'custom', message: 'looks like a JSON list but is not valid JSON' });
      return z.NEVER;
    }
    return text.split(/[,\n]/).map((item) => item.trim());
  }, z.array(z.string({ error: 'list items must be strings' })).transform((items) => items.filter((item) => item !== '')));

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** A boolean flag: true/false, 1/0, yes/no, on/off in any case (Python's `True` included). */
export const flag = (defaultValue: boolean) =>
  z.preprocess((value, ctx) => {
    if (isBlank(value)) return defaultValue;
    const word = String(value).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    ctx.addIssue({ code: 'custom', message: 'expected true or false' });
    return z.NEVER;
  }, z.boolean());

const wholeNumber = (value: unknown, ctx: z.RefinementCtx, min: number, max: number) => {
  const text = String(value).trim();
  if (!/^-?\d+$/.test(text)) {
    ctx.addIssue({ code: 'custom', message: `expected a whole number between ${min} and ${max}` });
    return z.NEVER;
  }
  return Number(text);
};
const withinRange = (min: number, max: number) => z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** A whole number within [min, max]. */
export const integer = (defaultValue: number, min: number, max: number) =>
  z.preprocess((value, ctx) => (isBlank(value) ? defaultValue : wholeNumber(value, ctx, min, max)), withinRange(min, max));

/** A whole number within [min, max], or undefined when blank. */
export const optionalInteger = (min: number, max: number) =>
  z.preprocess((value, ctx) => (isBlank(value) ? undefined : wholeNumber(value, ctx, min, max)), withinRange(min, max).optional());

/** A non-negative decimal number of seconds, returned in milliseconds. */
export const secondsAsMs = (defaultSeconds: number, maxSeconds: number) =>
  z.preprocess((value, ctx) => {
    if (isBlank(value)) return defaultSeconds;
    const text = String(value).trim();
    if (!/^\d+(\.\d+)?$/.test(text)) {
      ctx.addIssue({ code: 'custom', message: 'expected a number of seconds' });
      return z.NEVER;
    }
    return Number(text);
  }, z.number().max(maxSeconds, `must be at most ${maxSeconds} seconds`).transform((seconds) => Math.round(seconds * 1000)));

/** A positive decimal number, such as an exchange rate (`7.1`). */
export const positiveNumber = (defaultValue: number) =>
  z.preprocess((value, ctx) => {
    if (isBlank(value)) return defaultValue;
    const text = String(value).trim();
    if (!/^\d+(\.\d+)?$/.test(text) || Number(text) === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected a positive number' });
      return z.NEVER;
    }
    return Number(text);
  }, z.number());

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** A byte size such as `52428800`, `512kb` or `50mb`. */
export const byteSize = (defaultValue: string) =>
  z.preprocess((value, ctx) => {
    const text = (isBlank(value) ? defaultValue : String(value)).trim().toLowerCase();
    const match = /^(\d+(?:\.\d+)?)\s*([kmg]?b?)$/.exec(text);
    const multiplier = match ? SIZE_UNITS[match[2] ?? ''] : undefined;
    if (!match || multiplier === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a size such as 50mb, 512kb or a number of bytes' });
      return z.NEVER;
    }
    return Math.floor(Number(match[1]) * multiplier);
  }, z.number().int().min(1024, 'must be at least 1kb'));

/** gemini-balance's example `.env` writes single URLs as a JSON list (`BASE_URL=["https://…"]`): take the first. */
function firstOfJsonList(text: string): string {
  if (!text.startsWith('[')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && typeof parsed[0] === 'string') return parsed[0].trim();
  } catch {
    // not JSON: reported as an invalid URL below
  }
  return text;
}

/** Removes trailing slashes and any of `suffixes` (endpoint paths) from a base URL. */
export function trimBaseUrl(url: string, suffixes: readonly string[]): string {
  let result = url.replace(/\/+$/, '');
  for (const suffix of suffixes) {
    if (result.endsWith(suffix)) result = result.slice(0, -suffix.length).replace(/\/+$/, '');
  }
  return result;
}

/**
 * An http(s) base URL without a trailing slash. `stripSuffixes` removes endpoint paths that users sometimes paste
 * into a base-URL variable (`https://api.deepseek.com/chat/completions`), so both spellings work.
 */
export const baseUrl = (defaultValue: string | undefined, stripSuffixes: readonly string[] = []) =>
  z.preprocess((value, ctx) => {
    if (isBlank(value)) return defaultValue;
    const text = firstOfJsonList(String(value).trim());
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL' });
      return z.NEVER;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL' });
      return z.NEVER;
    }
    return trimBaseUrl(text, stripSuffixes);
  }, defaultValue === undefined ? z.string().optional() : z.string());

/** Any string, trimmed; blank counts as absent. */
export const optionalText = () =>
  z.preprocess((value) => (isBlank(value) ? undefined : String(value).trim()), z.string().optional());

/** A JSON value parsed from the variable, then checked with `schema`; blank means `fallback`. */
export const jsonValue = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess((value, ctx) => {
    if (isBlank(value)) return fallback;
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }, schema);

const PROXY_URL_ERROR = 'expected an http://, https://, socks5:// or socks5h:// proxy URL (user:password@ allowed)';

const validProxyUrl = (text: string): boolean => {
  try {
    parseProxyUrl(text);
    return true;
  } catch {
    return false;
  }
};

/** An outbound proxy URL; curl's scheme-less `host:port` means an http:// proxy. Blank counts as absent. */
export const proxyUrlText = () =>
  z.preprocess((value) => (isBlank(value) ? undefined : String(value).trim()), z.string().refine(validProxyUrl, PROXY_URL_ERROR).optional());

/** A list of proxy URLs, JSON or comma separated (gemini-balance's PROXIES). */
export const proxyUrlList = () => stringList().pipe(z.array(z.string().refine(validProxyUrl, PROXY_URL_ERROR)));
