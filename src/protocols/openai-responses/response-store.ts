import type { ResponseItem } from './request-schema.js';

/** A response kept for `previous_response_id` and `GET /v1/responses/{id}`: who made it, its conversation, itself. */
export interface StoredResponse {
  /** The caller's id (a client key's id, a token's hash): nobody else may read or continue it. */
  owner: string;
  /** Every input item of the conversation up to this response, earlier turns included (instructions are not kept). */
  input: ResponseItem[];
  response: Record<string, unknown>;
}

/**
 * Where responses are kept: in Redis when REDIS_URL is set (shared by instances), else in memory. A response of
 * another owner is not found, exactly like one that never existed.
 */
export interface ResponseStore {
  save(id: string, stored: StoredResponse): Promise<void>;
  load(id: string, owner: string): Promise<StoredResponse | undefined>;
  /** True when the response was there (and the owner's) and is now gone. */
  delete(id: string, owner: string): Promise<boolean>;
  close(): void;
}

/** A response whose conversation is longer than this is answered but not kept. */
export const MAX_STORED_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The most a memory store holds in all; the oldest responses leave first. */
export const MEMORY_STORE_MAX_BYTES = 256 * 1024 * 1024;

interface MemoryEntry {
  owner: string;
  json: string;
  expiresAt: number;
}

/** One process's store, bounded in bytes; every response lives as long, so the oldest is also the first to expire. */
export class MemoryResponseStore implements ResponseStore {
  private readonly entries = new Map<string, MemoryEntry>();
  private bytes = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxBytes = MEMORY_STORE_MAX_BYTES,
    private readonly now: () => number = Date.now,
  ) {}

  save(id: string, stored: StoredResponse): Promise<void> {
    if (this.ttlMs <= 0) return Promise.resolve();
    const json = JSON.stringify(stored);
    if (json.length > MAX_STORED_RESPONSE_BYTES || json.length > this.maxBytes) return Promise.resolve();
    this.remove(id);
    this.entries.set(id, { owner: stored.owner, json, expiresAt: this.now() + this.ttlMs });
    this.bytes += json.length;
    this.evict();
    return Promise.resolve();
  }

  load(id: string, owner: string): Promise<StoredResponse | undefined> {
    const entry = this.entries.get(id);
    if (!entry || entry.owner !== owner) return Promise.resolve(undefined);
    if (entry.expiresAt <= this.now()) {
      this.remove(id);
      return Promise.resolve(undefined);
    }
    return Promise.resolve(JSON.parse(entry.json) as StoredResponse);
  }

  delete(id: string, owner: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || entry.owner !== owner || entry.expiresAt <= this.now()) return Promise.resolve(false);
    this.remove(id);
    return Promise.resolve(true);
  }

  close(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.bytes -= entry.json.length;
  }

  /** Drops expired responses, then the oldest ones while over the bound (a Map iterates in insertion order). */
  private evict(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now && this.bytes <= this.maxBytes) break;
      this.remove(id);
    }
  }
}
