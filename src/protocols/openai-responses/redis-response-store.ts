import type { RedisConnection } from '../../storage/redis-client.js';
import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../logging/logger.js';
import { MAX_STORED_RESPONSE_BYTES, type ResponseStore, type StoredResponse } from './response-store.js';

const storeUnavailable = () => new GatewayError(503, 'The store of responses is unavailable; try again shortly.', { code: 'response_store_unavailable' });

/** Responses in Redis, one key each with the store's time to live, shared by every instance. */
export class RedisResponseStore implements ResponseStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  private key(id: string): string {
    return `${this.prefix}responses:${id}`;
  }

  async save(id: string, stored: StoredResponse): Promise<void> {
    if (this.ttlMs <= 0) return;
    const json = JSON.stringify(stored);
    if (json.length > MAX_STORED_RESPONSE_BYTES) return;
    try {
      await this.redis.set(this.key(id), json, 'PX', this.ttlMs);
    } catch (error) {
      // The answer has been given; only a later follow-up will miss it.
      this.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not store a response');
    }
  }

  async load(id: string, owner: string): Promise<StoredResponse | undefined> {
    let json: string | null;
    try {
      json = await this.redis.get(this.key(id));
    } catch {
      throw storeUnavailable();
    }
    if (json === null) return undefined;
    const stored = JSON.parse(json) as StoredResponse;
    return stored.owner === owner ? stored : undefined;
  }

  async delete(id: string, owner: string): Promise<boolean> {
    if (!(await this.load(id, owner))) return false;
    try {
      return (await this.redis.del(this.key(id))) > 0;
    } catch {
      throw storeUnavailable();
    }
  }

  close(): void {
    this.redis.disconnect();
  }
}
