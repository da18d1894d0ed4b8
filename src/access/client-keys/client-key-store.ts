import { renameLegacyKeys, withScripts, type RedisConnection } from '../../storage/redis-client.js';
import type { ClientKey } from './client-key.js';

/** Where client keys live: Redis when REDIS_URL is set (every instance sees the same keys), memory otherwise. */
export interface ClientKeyStore {
  /** Stores a new key; false if its id or hash is already taken. */
  create(key: ClientKey): Promise<boolean>;
  /** Replaces a stored key (same id and hash); false if there is none. */
  replace(key: ClientKey): Promise<boolean>;
  get(id: string): Promise<ClientKey | undefined>;
  findByHash(hash: string): Promise<ClientKey | undefined>;
  list(): Promise<ClientKey[]>;
  delete(id: string): Promise<ClientKey | undefined>;
}

export class MemoryClientKeyStore implements ClientKeyStore {
  private readonly byId = new Map<string, ClientKey>();
  private readonly idByHash = new Map<string, string>();

  async create(key: ClientKey): Promise<boolean> {
    if (this.byId.has(key.id) || this.idByHash.has(key.hash)) return false;
    this.byId.set(key.id, key);
    this.idByHash.set(key.hash, key.id);
    return true;
  }

  async replace(key: ClientKey): Promise<boolean> {
    if (!this.byId.has(key.id)) return false;
    this.byId.set(key.id, key);
    return true;
  }

  async get(id: string): Promise<ClientKey | undefined> {
    return this.byId.get(id);
  }

  async findByHash(hash: string): Promise<ClientKey | undefined> {
    const id = this.idByHash.get(hash);
    return id === undefined ? undefined : this.byId.get(id);
  }

  async list(): Promise<ClientKey[]> {
    return [...this.byId.values()];
  }

  async delete(id: string): Promise<ClientKey | undefined> {
    const key = this.byId.get(id);
    if (key) {
      this.byId.delete(id);
      this.idByHash.delete(key.hash);
    }
    return key;
  }
}

/** Lua: KEYS records, hashes. ARGV id, hash, json → 1 stored, 0 id or hash taken. */
const CREATE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 1`;

/** Lua: KEYS records. ARGV id, json → 1 replaced, 0 no such key. */
const REPLACE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Lua: KEYS records, hashes. ARGV hash → the record's JSON or nil. */
const FIND_BY_HASH = `
local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return nil end
return redis.call('HGET', KEYS[1], id)`;

interface ClientKeyScripts {
  llmgwClientKeyCreate(records: string, hashes: string, id: string, hash: string, json: string): Promise<number>;
  llmgwClientKeyReplace(records: string, id: string, json: string): Promise<number>;
  llmgwClientKeyFind(records: string, hashes: string, hash: string): Promise<string | null>;
}

/**
 * Client keys in two Redis hashes: id → record JSON, and secret hash → id. Both names carry the `{client-keys}`
 * hash tag, so the scripts and the MULTI that touch both stay in one slot of a cluster.
 */
export class RedisClientKeyStore implements ClientKeyStore {
  private readonly records: string;
  private readonly hashes: string;
  private readonly scripts: ClientKeyScripts;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    this.records = `${prefix}{client-keys}`;
    this.hashes = `${prefix}{client-keys}:hashes`;
    this.scripts = withScripts<ClientKeyScripts>(redis, [
      ['llmgwClientKeyCreate', 2, CREATE],
      ['llmgwClientKeyReplace', 1, REPLACE],
      ['llmgwClientKeyFind', 2, FIND_BY_HASH],
    ]);
  }

  /** Takes over the keys stored under the names used before the hash tag (`client-keys`, `client-key-hashes`). */
  async adoptLegacyKeys(): Promise<void> {
    await renameLegacyKeys(this.redis, [
      [`${this.prefix}client-keys`, this.records],
      [`${this.prefix}client-key-hashes`, this.hashes],
    ]);
  }

  async create(key: ClientKey): Promise<boolean> {
    return (await this.scripts.llmgwClientKeyCreate(this.records, this.hashes, key.id, key.hash, JSON.stringify(key))) === 1;
  }

  async replace(key: ClientKey): Promise<boolean> {
    return (await this.scripts.llmgwClientKeyReplace(this.records, key.id, JSON.stringify(key))) === 1;
  }

  async get(id: string): Promise<ClientKey | undefined> {
    return parseRecord(await this.redis.hget(this.records, id));
  }

  async findByHash(hash: string): Promise<ClientKey | undefined> {
    return parseRecord(await this.scripts.llmgwClientKeyFind(this.records, this.hashes, hash));
  }

  async list(): Promise<ClientKey[]> {
    const all = await this.redis.hvals(this.records);
    return all.map(parseRecord).filter((key): key is ClientKey => key !== undefined);
  }

  async delete(id: string): Promise<ClientKey | undefined> {
    const key = await this.get(id);
    if (key) await this.redis.multi().hdel(this.records, id).hdel(this.hashes, key.hash).exec();
    return key;
  }
}

function parseRecord(json: string | null | undefined): ClientKey | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json) as ClientKey;
    return typeof value.id === 'string' && typeof value.hash === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
