import { type ConfigFileError, formatConfigPath } from './errors.js';
import type { GatewayFileConfig } from './schema.js';

/** `sk-…abcd` for a value longer than 12 characters (enough to tell keys apart), `****` for shorter ones. */
export function maskSecret(value: string): string {
  return value.length > 12 ? `${value.slice(0, 3)}…${value.slice(-4)}` : '****';
}

/**
 * A copy of the config fit to show: upstream keys, header values, proxy passwords, client tokens and every value
 * taken from the environment (`secretPaths` from the parse) are masked.
 */
export function maskSecrets(config: GatewayFileConfig, secretPaths: readonly string[] = []): GatewayFileConfig {
  const substituted = new Set(secretPaths);
  return maskStrings(config, (text, path) => {
    const fromEnvironment = substituted.has(formatConfigPath(path));
    if (isProxyField(path)) return maskProxyPassword(text, fromEnvironment);
    return fromEnvironment || isSecretField(path) ? maskSecret(text) : text;
  }) as GatewayFileConfig;
}

/** An environment reference (`${NAME}`, `os.environ/NAME`) names a secret without holding it: shown as written. */
const ENV_REFERENCE = /\$\{[A-Za-z_][A-Za-z0-9_]*\}|^os\.environ\//;

/** A config document as written (`${ENV}` references unresolved) fit to show: its literal secrets masked. */
export function maskDocument(document: unknown): unknown {
  return maskStrings(document, (text, path) => maskedLiteral(text, path));
}

function maskedLiteral(text: string, path: readonly (string | number)[]): string {
  if (ENV_REFERENCE.test(text)) return text;
  if (isProxyField(path)) return maskProxyPassword(text, false);
  return isSecretField(path) ? maskSecret(text) : text;
}

/**
 * A document sent back after editing a masked one: each masked secret is replaced by the current secret it masks
 * (at the same upstream, header or token list). A masked value that matches none, or more than one, is a mistake
 * to report: the operator must write that secret out.
 */
export function restoreMaskedSecrets(submitted: unknown, current: unknown): { document: unknown; errors: ConfigFileError[] } {
  const errors: ConfigFileError[] = [];
  const document = maskStrings(submitted, (text, path) => {
    if (!(isSecretField(path) || isProxyField(path)) || !looksMasked(text)) return text;
    const candidates = [...new Set(secretsBeside(current, path))].filter((secret) => maskedLiteral(secret, path) === text);
    if (candidates.length === 1) return candidates[0]!;
    errors.push({ path: formatConfigPath(path), line: undefined, message: 'a masked secret that matches no current secret here (or several): write the secret itself' });
    return text;
  });
  return { document, errors };
}

const looksMasked = (text: string) => text.includes('****') || text.includes('…');

/** The current document's secrets of the kind at `path`: the same upstream's keys, the same header or proxy, any token. */
function secretsBeside(current: unknown, path: readonly (string | number)[]): string[] {
  const at = (keys: readonly (string | number)[]): unknown =>
    keys.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined), current);
  const found = path[0] === 'tokens' ? asArray(at(['tokens'])).map((entry) => (entry as { token?: unknown } | null)?.token) : path[2] === 'api_keys' ? asArray(at(path.slice(0, 3))) : [at(path)];
  return found.filter((value): value is string => typeof value === 'string');
}

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function maskStrings(node: unknown, mask: (text: string, path: (string | number)[]) => string): unknown {
  const visit = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') return mask(value, path);
    if (Array.isArray(value)) return value.map((item, index) => visit(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return value;
  };
  return visit(node, []);
}

function isSecretField(path: readonly (string | number)[]): boolean {
  const [section, , field] = path;
  if (section === 'upstreams') return (field === 'api_keys' || field === 'headers') && path.length === 4;
  return section === 'tokens' && field === 'token' && path.length === 3;
}

const isProxyField = (path: readonly (string | number)[]) => path[0] === 'upstreams' && path[2] === 'proxy' && path.length === 3;

/** Only the password: the proxy's address is what an operator needs to see. */
function maskProxyPassword(value: string, fromEnvironment: boolean): string {
  const withPassword = /^([a-z0-9]+:\/\/[^:@/]*:)([^@/]*)(@.*)$/i.exec(value);
  if (!withPassword) return fromEnvironment ? maskSecret(value) : value;
  return `${withPassword[1]}${maskSecret(withPassword[2]!)}${withPassword[3]}`;
}
