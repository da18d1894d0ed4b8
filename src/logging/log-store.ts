/** The APIs a call came in through. */
export const CALL_ENDPOINTS = ['chat', 'embeddings', 'gemini', 'messages', 'responses', 'completions', 'images', 'speech', 'transcriptions'] as const;
export type CallEndpoint = (typeof CALL_ENDPOINTS)[number];

/** One call through the gateway, as the request log keeps it. Never holds a secret: keys appear as short hashes. */
export interface RequestRecord {
  /** Epoch milliseconds when the request arrived. */
  time: number;
  requestId: string;
  /** The client key's id (`ck_…`), `env:<hash8>` for an ALLOWED_TOKENS token, `byok:<hash8>`, or `open`. */
  clientId: string;
  /** The client key's name, or a label for the other kinds. */
  clientName: string;
  /** The last characters of the client key's hash, to tell keys of the same name apart. */
  clientHint: string;
  /** The model the client asked for (after the key's default model applied); null when the request had none. */
  model: string | null;
  provider: string | null;
  /** The upstream key that answered, as its key id (16 hex digits), or `byok:<hash8>`. */
  upstreamKey: string | null;
  /** `gemini`: Gemini's native API (/v1beta), passed through. */
  endpoint: CallEndpoint;
  stream: boolean;
  status: number;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  /** Prompt tokens written to the cache at the short (5-minute) and long (1-hour) rates (absent in older records). */
  cacheWriteTokens?: number;
  cacheWriteLongTokens?: number;
  /** Web searches or grounded requests billed beside the tokens (absent in older records). */
  searches?: number;
  /** Media calls: images generated and their size, seconds of audio, characters spoken (absent for other calls). */
  images?: number;
  imageSize?: string;
  audioSeconds?: number;
  characters?: number;
  /** True when the upstream reported no usage and the counts are the gateway's estimate. */
  estimated: boolean;
  /** What the call cost, in nano-dollars; null when its model has no price (absent in records from before costs). */
  costNano?: number | null;
  /** Upstream attempts made (retries on other keys included). */
  attempts: number;
  error: string | null;
  /** Only with LOG_REQUEST_BODIES: the start of the request's messages and of the answer. */
  requestExcerpt?: string;
  responseExcerpt?: string;
}

/** One failed upstream attempt (retried or not), for the error log. */
export interface UpstreamErrorRecord {
  time: number;
  requestId: string;
  clientName: string;
  provider: string;
  model: string | null;
  /** The key id (16 hex digits) of the upstream key that failed, or `byok:<hash8>`. */
  upstreamKey: string | null;
  status: number;
  /** The upstream's error code when it gave one (`rate_limit_exceeded`, `RESOURCE_EXHAUSTED`, …). */
  code: string | null;
  /** The upstream's message, keys already removed. */
  message: string;
}

export interface RequestLogQuery {
  clientId?: string;
  model?: string;
  provider?: string;
  /** An exact status, or every status from 400 (`error`) or below 400 (`success`). */
  status?: number | 'error' | 'success';
  /** Epoch milliseconds, inclusive. */
  from?: number;
  /** Epoch milliseconds, exclusive. */
  to?: number;
  /** Newest first; at most this many (1–1000). */
  limit: number;
  /** The `next` cursor of the previous page. */
  cursor?: string;
}

export interface ErrorLogQuery {
  provider?: string;
  upstreamKey?: string;
  status?: number;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

export interface LogPage<T> {
  records: (T & { id: string })[];
  /** Present when older matching records may exist. */
  next?: string;
}

/**
 * The request log and the error log: append-only, newest first when read, pruned after LOG_RETENTION_DAYS.
 * In Redis (Redis streams, shared by every instance) when REDIS_URL is set, in memory otherwise.
 */
export interface LogStore {
  /** Appends records the caller hands over: it must not change them afterwards (a store may keep them as they are). */
  appendRequests(records: readonly RequestRecord[]): Promise<void>;
  appendErrors(records: readonly UpstreamErrorRecord[]): Promise<void>;
  requests(query: RequestLogQuery): Promise<LogPage<RequestRecord>>;
  errors(query: ErrorLogQuery): Promise<LogPage<UpstreamErrorRecord>>;
  /** Drops records older than the retention; called periodically and cheap when there is nothing to drop. */
  prune(now: number): Promise<void>;
}
