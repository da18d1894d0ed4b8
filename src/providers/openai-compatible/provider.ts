import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { encodeEmbeddingsResponseAsBase64 } from '../../core/embedding-encoding.js';
import { flatText } from '../../core/flat-text.js';
import { UpstreamError } from '../../core/errors.js';
import type { TokenUsage } from '../../core/usage.js';
import { lastObjectOfKey } from '../../core/json-text.js';
import { readBodyText, type UpstreamHttp } from '../../upstream/http-client.js';
import { StreamTally } from '../shared/stream-tally.js';
import { UpstreamExchange } from '../shared/upstream-exchange.js';
import { MAX_JSON_ANSWER_BYTES, parseJsonAnswer } from '../shared/upstream-body.js';
import { bufferedAnswer, passedThroughAnswer } from '../shared/passthrough-answer.js';
import type {
  ChatCall,
  ChatResult,
  CompletionsCall,
  EmbeddingsCall,
  JsonResult,
  OwnOpenAIApi,
  PassthroughCall,
  PassthroughResult,
  Provider,
  UpstreamCall,
  UpstreamModel,
} from '../types.js';
import { looksLikeJsonObject, OpenAIChunkReader } from './chunk-reader.js';
import { type ChatCompletionLike, completionAsStream } from './completion-as-chunks.js';
import { type EmbeddedErrorRule, embeddedError, upstreamErrorFromResponse, upstreamErrorFromStreamPayload } from './errors.js';
import { readMediaUsage, readOpenAIUsage, readResponsesUsage, type UsageReader } from './usage.js';

export type OpenAIEndpoint = 'chat' | 'embeddings' | 'models' | 'responses' | 'completions';

const ENDPOINT_PATHS: Record<OpenAIEndpoint, string> = {
  chat: '/chat/completions',
  embeddings: '/embeddings',
  models: '/models',
  responses: '/responses',
  completions: '/completions',
};

/** Passed-through paths by the endpoint they call, so that an upstream with URLs of its own (Azure) is called right. */
const PASSTHROUGH_ENDPOINTS: Readonly<Record<string, OpenAIEndpoint>> = { '/responses': 'responses', '/completions': 'completions' };

/** How the usage of a passed-through answer is read, by its path; chat's rule for the others. */
const PASSTHROUGH_USAGE: Readonly<Record<string, UsageReader>> = {
  '/responses': readResponsesUsage,
  '/images/generations': (usage) => readMediaUsage(usage, true),
  '/images/edits': (usage) => readMediaUsage(usage, true),
  '/audio/transcriptions': (usage) => readMediaUsage(usage, false),
  '/audio/translations': (usage) => readMediaUsage(usage, false),
};

/** Answers that are not text (speech): passed on as they are, no usage read from them. */
const BINARY_ANSWERS = new Set(['/audio/speech']);

/**
 * One OpenAI-compatible upstream. Every option is an adjustment for a server that deviates from OpenAI in a small,
 * known way; left out, the provider behaves exactly like OpenAI's API.
 */
export interface OpenAICompatibleOptions {
  id: string;
  baseUrl: string;
  http: UpstreamHttp;
  /** Headers that carry the key; OpenAI's `Authorization: Bearer` unless the upstream wants something else. */
  authHeaders?: (apiKey: string) => Record<string, string>;
  /** Where an endpoint lives; `${baseUrl}/chat/completions` and so on unless this says otherwise (undefined). */
  endpointUrl?: (endpoint: OpenAIEndpoint, upstreamModel: string | undefined, baseUrl: string) => string | undefined;
  /** The OpenAI APIs beside chat the upstream serves itself (Responses, legacy Completions); none unless listed. */
  ownApis?: readonly OwnOpenAIApi[];
  /** Errors the upstream reports inside a 200 answer or a stream event instead of with an HTTP status. */
  embeddedError?: EmbeddedErrorRule;
  /** Stream events the client must not see (Azure's content-filter-only first chunk). */
  skipStreamEvent?: (payload: string) => boolean;
  /** Mends a stream event that strays from OpenAI's chunk shape (DashScope's empty ids on continued tool calls). */
  repairStreamEvent?: (payload: string) => string;
  /** Fields to add to a chat request the client did not set (e.g. asking a server to separate reasoning). */
  chatDefaults?: Readonly<Record<string, unknown>>;
  /** The models listed when the upstream has no model list endpoint. */
  staticModels?: readonly string[];
  /**
   * False when the upstream may refuse `stream_options`: it is then not asked for stream usage, and what it
   * reports on its own is taken (estimated when nothing comes).
   */
  acceptsStreamOptions?: boolean;
  /** How the upstream's `usage` objects are read; OpenAI's rule unless it reports usage its own way (DeepSeek). */
  readUsage?: UsageReader;
}

const FLOAT_EMBEDDING = /"embedding"\s*:\s*\[/;

/**
 * The text of a request's JSON object with `"stream_options":{"include_usage":true}` added as its last field, for a
 * request that has no `stream_options` and is otherwise sent as the client wrote it: cheaper than serialising the
 * request again. Undefined for text that does not end an object with fields.
 */
function withStreamUsageAsked(json: string): string | undefined {
  let end = json.length - 1;
  while (end > 0 && json.charCodeAt(end) <= 0x20) end--;
  let before = end - 1;
  while (before > 0 && json.charCodeAt(before) <= 0x20) before--;
  if (json.charCodeAt(end) !== 0x7d || json.charCodeAt(before) === 0x7b) return undefined;
  return `${json.slice(0, end)},"stream_options":{"include_usage":true}}`;
}

/** The top-level `usage` of a parsed answer, whatever its shape. */
const usageOf = (parsed: unknown): unknown => (parsed as { usage?: unknown } | null)?.usage;

const modelListSchema = z.object({
  data: z.array(z.looseObject({ id: z.string(), created: z.number().optional() })),
});

/**
 * The shared base for every upstream that speaks OpenAI's Chat Completions, Embeddings and Models APIs (OpenAI,
 * DeepSeek, DashScope, Zhipu, MiniMax, Spark, Azure, Hugging Face's router, third-party proxies). Bodies pass
 * through: the client's bytes go up unchanged unless something must change, and the upstream's bytes come back
 * unchanged.
 */
export class OpenAICompatibleProvider implements Provider {
  readonly id: string;
  readonly ownApis: ReadonlySet<OwnOpenAIApi>;
  protected readonly baseUrl: string;
  protected readonly http: UpstreamHttp;
  private readonly options: OpenAICompatibleOptions;
  private readonly authHeaders: ((apiKey: string) => Record<string, string>) | undefined;
  /** Built once: the same URL string on every call is parsed once and found at once by the HTTP client. */
  private readonly endpointUrls: Record<OpenAIEndpoint, string>;
  private readonly exchange: UpstreamExchange;
  private readonly readUsage: UsageReader;

  constructor(options: OpenAICompatibleOptions) {
    this.id = options.id;
    this.baseUrl = options.baseUrl;
    this.http = options.http;
    this.options = options;
    this.authHeaders = options.authHeaders;
    this.readUsage = options.readUsage ?? readOpenAIUsage;
    this.ownApis = new Set(options.ownApis ?? []);
    this.endpointUrls = Object.fromEntries(Object.entries(ENDPOINT_PATHS).map(([endpoint, path]) => [endpoint, `${this.baseUrl}${path}`])) as Record<OpenAIEndpoint, string>;
    this.exchange = new UpstreamExchange(this.id, this.http, (apiKey, accept) => this.headers(apiKey, accept), upstreamErrorFromResponse);
  }

  protected headers(apiKey: string | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    if (apiKey === undefined) return headers;
    if (this.authHeaders) return Object.assign(headers, this.authHeaders(apiKey));
    headers.authorization = flatText('Bearer ', apiKey);
    return headers;
  }

  private url(endpoint: OpenAIEndpoint, upstreamModel?: string): string {
    return this.options.endpointUrl?.(endpoint, upstreamModel, this.baseUrl) ?? this.endpointUrls[endpoint];
  }

  /**
   * The JSON body to send: the client's own bytes when they can go as they are; with `askForUsage`, a stream's
   * `stream_options.include_usage` set (added to those bytes when the client sent no stream options at all).
   */
  private requestBody(
    request: Record<string, unknown> & { model?: string | undefined; stream_options?: unknown },
    rawBody: string | undefined,
    upstreamModel: string,
    defaults?: Readonly<Record<string, unknown>>,
    askForUsage = false,
  ): string {
    const missing = defaults ? Object.entries(defaults).filter(([field]) => request[field] === undefined) : [];
    if (rawBody !== undefined && request.model === upstreamModel && missing.length === 0) {
      if (!askForUsage) return rawBody;
      const withUsage = 'stream_options' in request ? undefined : withStreamUsageAsked(rawBody);
      if (withUsage !== undefined) return withUsage;
    }
    const usage = askForUsage ? { stream_options: { ...(request.stream_options as object | null | undefined), include_usage: true } } : undefined;
    return JSON.stringify({ ...request, ...Object.fromEntries(missing), ...usage, model: upstreamModel });
  }

  chatCompletions(call: ChatCall): Promise<ChatResult> {
    return this.completionCall('chat', call);
  }

  textCompletions(call: CompletionsCall): Promise<ChatResult> {
    return this.completionCall('completions', call);
  }

  /**
   * A chat or text completion, whose answers have the same frame: a JSON body, or `data:` chunks ending in `[DONE]`
   * with the usage in a last chunk without choices.
   */
  private completionCall(endpoint: 'chat' | 'completions', call: ChatCall | CompletionsCall): Promise<ChatResult> {
    const streamOptions = call.request.stream === true ? call.request.stream_options : undefined;
    const clientWantsUsage = streamOptions?.include_usage === true;
    // Every stream is metered: usage the client did not ask for is asked for anyway, and its chunk kept from the client.
    const askForUsage = call.request.stream === true && !clientWantsUsage && this.options.acceptsStreamOptions !== false;
    const defaults = endpoint === 'chat' ? this.options.chatDefaults : undefined;
    let body: string;
    try {
      body = this.requestBody(call.request, call.rawBody, call.upstreamModel, defaults, askForUsage);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const url = this.url(endpoint, call.upstreamModel);
    if (call.request.stream !== true) return this.exchange.json('POST', url, body, call).then((text) => ({ kind: 'json', body: text, usage: this.checkedUsage(text, call.apiKey) }));
    return this.streamedCompletion(endpoint, url, body, call, clientWantsUsage, askForUsage);
  }

  private async streamedCompletion(endpoint: 'chat' | 'completions', url: string, body: string, call: ChatCall | CompletionsCall, clientWantsUsage: boolean, askForUsage: boolean): Promise<ChatResult> {
    const response = await this.exchange.stream(url, body, call, 'text/event-stream');
    if (response.contentType.includes('application/json')) {
      // Some servers ignore `stream: true` and answer with one JSON body (an error, or the whole completion).
      const completion = this.parseJsonBody(await readBodyText(response.body, MAX_JSON_ANSWER_BYTES), call.apiKey) as ChatCompletionLike;
      if (endpoint !== 'chat') throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} answered a streamed completion with one JSON body.`);
      return completionAsStream(completion, this.readUsage(completion.usage), clientWantsUsage, call.excerptChars);
    }
    const tally = new StreamTally(call.excerptChars);
    const { embeddedError, skipStreamEvent, repairStreamEvent } = this.options;
    const rules = { provider: this.id, apiKey: call.apiKey, readUsage: this.readUsage, embeddedError, skipStreamEvent, repairStreamEvent, hideUsage: askForUsage };
    return { kind: 'stream', events: new OpenAIChunkReader(response.body, rules, tally), report: tally };
  }

  /**
   * A request in one of the OpenAI APIs the upstream serves itself (`ownApis`), its bytes forwarded and its answer's
   * bytes handed back; the usage is read from the answer's end (the Responses API's `usage` shape, or chat's).
   */
  async passthrough(call: PassthroughCall): Promise<PassthroughResult> {
    const endpoint = PASSTHROUGH_ENDPOINTS[call.path];
    const url = endpoint === undefined ? `${this.baseUrl}${call.path}` : this.url(endpoint, call.upstreamModel);
    const headers = this.headers(call.apiKey, call.accept);
    if (call.contentType !== undefined) headers['content-type'] = call.contentType;
    const request = {
      method: call.method,
      url: call.query === '' ? url : `${url}${url.includes('?') ? '&' : '?'}${call.query}`,
      headers,
      body: call.body,
      cancellation: call.cancellation,
      proxyKey: call.apiKey,
      failure: (status: number, headers: IncomingHttpHeaders, text: string) => upstreamErrorFromResponse(this.id, status, headers, text, call.apiKey),
    };
    const readUsage = PASSTHROUGH_USAGE[call.path] ?? this.readUsage;
    const usageAtEnd = (text: string) => readUsage(lastObjectOfKey(text, 'usage'));
    if (BINARY_ANSWERS.has(call.path)) return passedThroughAnswer(this.id, await this.http.streamReadable(this.id, request), { defaultContentType: 'application/octet-stream', usage: () => undefined });
    if (!call.accept.includes('text/event-stream')) return bufferedAnswer(await this.http.request(this.id, request), 'application/json', usageAtEnd);
    return passedThroughAnswer(this.id, await this.http.streamReadable(this.id, request), { defaultContentType: 'application/json', usage: (ends) => usageAtEnd(ends.tail) });
  }

  async embeddings(call: EmbeddingsCall): Promise<JsonResult> {
    const body = this.requestBody(call.request, call.rawBody, call.upstreamModel);
    const text = await this.exchange.json('POST', this.url('embeddings', call.upstreamModel), body, call);
    // Some compatible servers ignore encoding_format and always send floats; the client asked for base64.
    if (call.request.encoding_format === 'base64' && FLOAT_EMBEDDING.test(text)) {
      const parsed = this.parseJsonBody(text, call.apiKey);
      encodeEmbeddingsResponseAsBase64(parsed as { data?: { embedding: unknown }[] });
      return { kind: 'json', body: JSON.stringify(parsed), usage: this.readUsage(usageOf(parsed)) };
    }
    return { kind: 'json', body: text, usage: this.checkedUsage(text, call.apiKey) };
  }

  async listModels(call: UpstreamCall): Promise<UpstreamModel[]> {
    if (this.options.staticModels) return this.options.staticModels.map((id) => ({ id }));
    const list = modelListSchema.safeParse(this.parseJsonBody(await this.exchange.json('GET', this.url('models'), undefined, call), call.apiKey));
    if (!list.success) throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} sent a model list in an unexpected shape.`);
    return list.data.data.map((model) => ({ id: model.id, created: model.created }));
  }

  /**
   * Checks a 2xx answer that passes through to the client as it is, and reads its usage. It is parsed whole only
   * when it could be an error in disguise (it has an `"error"` key somewhere, or the upstream's embedded-error
   * marker) or does not even look like one JSON object; otherwise only its `usage` object is: a long completion, or
   * an embeddings answer of megabytes, is not parsed to read three numbers.
   */
  private checkedUsage(body: string, apiKey: string | undefined): TokenUsage | undefined {
    const rule = this.options.embeddedError;
    if (looksLikeJsonObject(body) && !body.includes('"error"') && !rule?.marker.test(body)) return this.readUsage(lastObjectOfKey(body, 'usage'));
    return this.readUsage(usageOf(this.parseJsonBody(body, apiKey)));
  }

  /** Parses a 2xx JSON body; a body that is not JSON, or that is an error in disguise, is an upstream failure. */
  private parseJsonBody(body: string, apiKey: string | undefined): unknown {
    const parsed = parseJsonAnswer(this.id, body);
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed && !('choices' in parsed) && !('data' in parsed)) {
      throw upstreamErrorFromStreamPayload(this.id, body, apiKey);
    }
    const rule = this.options.embeddedError;
    if (rule && rule.marker.test(body)) {
      const error = embeddedError(this.id, rule, body, apiKey);
      if (error) throw error;
    }
    return parsed;
  }
}
