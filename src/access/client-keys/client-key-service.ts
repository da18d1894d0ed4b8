import { isStoreUnavailable, storeUnavailable } from '../../storage/store-unavailable.js';
import { z } from 'zod';
import { mappedModel } from '../identity/token-routes.js';
import { GatewayError, invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import {
  allowsModel,
  type ClientKey,
  clientKeyHash,
  newClientKeyId,
  newClientKeySecret,
  secretHint,
  statusOf,
} from './client-key.js';
import type { ClientKeyStore } from './client-key-store.js';
import type { ClientLimits, LimitStore } from '../limits/limit-store.js';
import { nanoToUsd, usdToNano } from '../../core/money.js';

/** How long an instance trusts what it read about a key; another instance's change shows within this time. */
const CACHE_MS = 2_000;
/** Lookups remembered at most (unknown tokens included), so random tokens cannot grow the cache without bound. */
const CACHE_ENTRIES = 10_000;

const positive = z.number().int().positive();
const limit = positive.nullable().optional();
/** USD, to the nano-dollar. */
const dollars = z.number().positive().max(1e9).nullable().optional();

const limitsSchema = z.object({ rpm: limit, tpm: limit, max_concurrent: limit }).strict();
const budgetsSchema = z
  .object({
    requests_per_day: limit,
    requests_per_month: limit,
    requests_total: limit,
    tokens_per_day: limit,
    tokens_per_month: limit,
    tokens_total: limit,
    usd_per_day: dollars,
    usd_per_month: dollars,
    usd_total: dollars,
  })
  .strict();

/** An ISO 8601 time or Unix seconds. */
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date(), z.number().int().positive()]).nullable().optional();

const editableFields = {
  description: z.string().max(1000).nullable().optional(),
  models: z.array(z.string().trim().min(1).max(200)).max(1000).optional(),
  default_model: z.string().trim().min(1).max(200).nullable().optional(),
  model_map: z
    .record(z.string().trim().min(1).max(200), z.string().trim().min(1).max(200))
    .refine((map) => Object.keys(map).length <= 1000, 'at most 1000 entries')
    .optional(),
  expires_at: instant,
  limits: limitsSchema.optional(),
  budgets: budgetsSchema.optional(),
};

export const createClientKeySchema = z.object({ name: z.string().trim().min(1).max(100), ...editableFields }).strict();
export const updateClientKeySchema = z.object({ name: z.string().trim().min(1).max(100).optional(), ...editableFields }).strict();

type CreateInput = z.infer<typeof createClientKeySchema>;
type UpdateInput = z.infer<typeof updateClientKeySchema>;

const LIMIT_FIELDS: Record<string, keyof ClientLimits> = {
  rpm: 'requestsPerMinute',
  tpm: 'tokensPerMinute',
  max_concurrent: 'maxConcurrent',
  requests_per_day: 'requestsPerDay',
  requests_per_month: 'requestsPerMonth',
  requests_total: 'requestsTotal',
  tokens_per_day: 'tokensPerDay',
  tokens_per_month: 'tokensPerMonth',
  tokens_total: 'tokensTotal',
  usd_per_day: 'costPerDay',
  usd_per_month: 'costPerMonth',
  usd_total: 'costTotal',
};

/** Limits kept in nano-dollars, shown and set in USD. */
const DOLLAR_LIMITS = new Set<keyof ClientLimits>(['costPerDay', 'costPerMonth', 'costTotal']);

/** The API's snake_case field for a limit, as error messages and views name it. */
export const LIMIT_API_NAMES = Object.fromEntries(Object.entries(LIMIT_FIELDS).map(([api, field]) => [field, api])) as Record<keyof ClientLimits, string>;

function applyLimits(current: ClientLimits, ...groups: (Record<string, number | null | undefined> | undefined)[]): ClientLimits {
  const next: ClientLimits = { ...current };
  for (const group of groups) {
    for (const [field, value] of Object.entries(group ?? {})) {
      const name = LIMIT_FIELDS[field]!;
      if (value === null) delete next[name];
      else if (value !== undefined) next[name] = DOLLAR_LIMITS.has(name) ? Math.max(1, usdToNano(value)) : value;
    }
  }
  return next;
}

function toEpochMs(value: string | number): number {
  return typeof value === 'number' ? value * 1000 : Date.parse(value);
}

interface CachedLookup {
  key: ClientKey | undefined;
  at: number;
}

/**
 * The operator's client keys: creation (the secret is returned once and only its hash kept), edits, and the
 * lookup that authenticates a bearer token, cached briefly so the hot path rarely waits on the store.
 */
export class ClientKeys {
  private readonly cache = new Map<string, CachedLookup>();

  constructor(
    private readonly store: ClientKeyStore,
    private readonly limits: LimitStore,
    private readonly now: () => number = Date.now,
  ) {}

  async create(body: unknown): Promise<{ key: ClientKey; secret: string }> {
    const input = validateRequest(createClientKeySchema, body);
    const now = this.now();
    const secret = newClientKeySecret();
    const key = this.checked(
      {
        id: newClientKeyId(),
        name: input.name,
        description: input.description ?? '',
        hash: clientKeyHash(secret),
        hint: secretHint(secret),
        models: input.models ?? [],
        defaultModel: input.default_model ?? null,
        modelMap: input.model_map ?? {},
        expiresAt: input.expires_at == null ? null : toEpochMs(input.expires_at),
        limits: applyLimits({}, input.limits, input.budgets),
        disabled: false,
        createdAt: now,
        updatedAt: now,
      },
      input,
    );
    if (!(await stored(this.store.create(key)))) throw new GatewayError(409, 'A key with this id already exists; try again.', { code: 'conflict' });
    this.cache.delete(key.hash);
    return { key, secret };
  }

  async update(id: string, body: unknown): Promise<ClientKey> {
    const input = validateRequest(updateClientKeySchema, body);
    const current = await this.existing(id);
    const next = this.checked(
      {
        ...current,
        name: input.name ?? current.name,
        description: input.description === undefined ? current.description : (input.description ?? ''),
        models: input.models ?? current.models,
        defaultModel: input.default_model === undefined ? current.defaultModel : input.default_model,
        modelMap: input.model_map ?? current.modelMap ?? {},
        expiresAt: input.expires_at === undefined ? current.expiresAt : input.expires_at === null ? null : toEpochMs(input.expires_at),
        limits: applyLimits(current.limits, input.limits, input.budgets),
        updatedAt: this.now(),
      },
      input,
    );
    return this.save(next);
  }

  async setDisabled(id: string, disabled: boolean): Promise<ClientKey> {
    const current = await this.existing(id);
    return this.save({ ...current, disabled, updatedAt: this.now() });
  }

  async delete(id: string): Promise<ClientKey> {
    const key = await stored(this.store.delete(id));
    if (!key) throw notFound(id);
    this.cache.delete(key.hash);
    await stored(this.limits.forget(id));
    return key;
  }

  async get(id: string): Promise<ClientKey> {
    return this.existing(id);
  }

  async list(): Promise<ClientKey[]> {
    const keys = await stored(this.store.list());
    return keys.sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * The key whose secret has this SHA-256, from the cache when it was read in the last two seconds. While the
   * store cannot be reached, what was read before still counts; a key never seen is a 503, not a wrong key.
   */
  async findByHash(hash: string): Promise<ClientKey | undefined> {
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && now - cached.at < CACHE_MS) return cached.key;
    let key: ClientKey | undefined;
    try {
      key = await this.store.findByHash(hash);
    } catch {
      if (cached) return cached.key;
      throw storeUnavailable();
    }
    if (this.cache.size >= CACHE_ENTRIES) this.cache.clear();
    this.cache.set(hash, { key, at: now });
    return key;
  }

  private async existing(id: string): Promise<ClientKey> {
    const key = await stored(this.store.get(id));
    if (!key) throw notFound(id);
    return key;
  }

  private async save(key: ClientKey): Promise<ClientKey> {
    if (!(await stored(this.store.replace(key)))) throw notFound(key.id);
    this.cache.delete(key.hash);
    return key;
  }

  /** Rules across fields that the schema cannot express. */
  private checked(key: ClientKey, input: CreateInput | UpdateInput): ClientKey {
    if (key.expiresAt !== null && Number.isNaN(key.expiresAt)) throw invalidRequest("Invalid 'expires_at': not a valid time.", 'expires_at', 'invalid_value');
    if (input.expires_at != null && key.expiresAt !== null && key.expiresAt <= this.now()) {
      throw invalidRequest("Invalid 'expires_at': the time is in the past.", 'expires_at', 'invalid_value');
    }
    if (key.defaultModel !== null && !allowsModel(key, key.defaultModel) && !allowsModel(key, mappedModel(key.modelMap ?? {}, key.defaultModel))) {
      throw invalidRequest("Invalid 'default_model': the key's 'models' do not allow it.", 'default_model', 'invalid_value');
    }
    return key;
  }
}

/** A store operation whose failure (Redis unreachable, slow or full) is the client's 503, not an internal error. */
async function stored<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (thrown) {
    if (isStoreUnavailable(thrown)) throw storeUnavailable();
    throw thrown;
  }
}

function notFound(id: string): GatewayError {
  return new GatewayError(404, `No client key with id "${id}".`, { code: 'client_key_not_found' });
}

/** The operator's view of a key: never the secret (only its hint), limits and budgets in the API's names. */
export function clientKeyView(key: ClientKey, now: number) {
  const value = (name: keyof ClientLimits) => key.limits[name] ?? null;
  const usd = (name: keyof ClientLimits) => (key.limits[name] === undefined ? null : nanoToUsd(key.limits[name]));
  const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());
  return {
    id: key.id,
    object: 'client_key',
    name: key.name,
    description: key.description,
    key_hint: key.hint,
    status: statusOf(key, now),
    models: key.models,
    default_model: key.defaultModel,
    model_map: key.modelMap ?? {},
    expires_at: iso(key.expiresAt),
    limits: { rpm: value('requestsPerMinute'), tpm: value('tokensPerMinute'), max_concurrent: value('maxConcurrent') },
    budgets: {
      requests_per_day: value('requestsPerDay'),
      requests_per_month: value('requestsPerMonth'),
      requests_total: value('requestsTotal'),
      tokens_per_day: value('tokensPerDay'),
      tokens_per_month: value('tokensPerMonth'),
      tokens_total: value('tokensTotal'),
      usd_per_day: usd('costPerDay'),
      usd_per_month: usd('costPerMonth'),
      usd_total: usd('costTotal'),
    },
    created_at: iso(key.createdAt),
    updated_at: iso(key.updatedAt),
  };
}
