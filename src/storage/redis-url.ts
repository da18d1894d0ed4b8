/** Where REDIS_URL points: one server, a Redis Cluster, or the master a Sentinel set names. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; credentials: RedisCredentials; tls: boolean }
  | { kind: 'sentinel'; sentinels: RedisNode[]; masterName: string; db: number; credentials: RedisCredentials; tls: boolean };

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisCredentials {
  username?: string;
  password?: string;
}

const DEFAULT_PORT = { cluster: 6379, sentinel: 26379 } as const;

/** `redis[s]+cluster://[user:password@]host:port,host:port` and `redis[s]+sentinel://[user:password@]host:port,host:port/master[/db]`. */
const MULTI_NODE_URL = /^(rediss?)\+(cluster|sentinel):\/\/(?:([^@/]*)@)?([^/?#@]+)(?:\/([^?#]*))?$/;

/** Reads REDIS_URL; throws an Error that says what is wrong (the config's validation shows its message). */
export function parseRedisUrl(url: string): RedisTarget {
  if (/^rediss?:\/\/\S+$/.test(url)) return { kind: 'single', url };
  const match = MULTI_NODE_URL.exec(url);
  if (!match) throw new Error('expected redis://, rediss://, redis+cluster://host:port,host:port or redis+sentinel://host:port,host:port/master');
  const [, scheme, kind, userinfo, hostList, path = ''] = match as unknown as [string, string, 'cluster' | 'sentinel', string | undefined, string, string | undefined];
  const nodes = hostList.split(',').map((text) => parseNode(text.trim(), DEFAULT_PORT[kind]));
  const credentials = parseCredentials(userinfo);
  const tls = scheme === 'rediss';
  const segments = path.split('/').filter((segment) => segment !== '');
  if (kind === 'cluster') {
    if (segments.length > 0) throw new Error('a redis+cluster:// URL names no database or path (a cluster has database 0 only)');
    return { kind, nodes, credentials, tls };
  }
  const [masterName, dbText = '0', ...rest] = segments;
  if (masterName === undefined || rest.length > 0) throw new Error('a redis+sentinel:// URL ends with the master\'s name: redis+sentinel://host:port,host:port/mymaster[/db]');
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new Error(`the database after the master's name must be a number, not "${dbText}"`);
  return { kind, sentinels: nodes, masterName: decodeURIComponent(masterName), db, credentials, tls };
}

function parseNode(text: string, defaultPort: number): RedisNode {
  const match = /^([^:,\s]+)(?::(\d+))?$/.exec(text);
  const port = Number(match?.[2] ?? defaultPort);
  if (!match || port < 1 || port > 65_535) throw new Error(`"${text}" is not a host:port`);
  return { host: match[1]!, port };
}

function parseCredentials(userinfo: string | undefined): RedisCredentials {
  if (userinfo === undefined || userinfo === '') return {};
  const colon = userinfo.indexOf(':');
  const username = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = colon < 0 ? undefined : decodeURIComponent(userinfo.slice(colon + 1));
  return { ...(username === '' ? {} : { username }), ...(password === undefined || password === '' ? {} : { password }) };
}
