import { formatConfigPath } from './errors.js';
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
  const visit = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      const fromEnvironment = substituted.has(formatConfigPath(path));
      if (isProxyField(path)) return maskProxyPassword(node, fromEnvironment);
      return fromEnvironment || isSecretField(path) ? maskSecret(node) : node;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, visit(item, [...path, key])]));
    }
    return node;
  };
  return visit(config, []) as GatewayFileConfig;
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
