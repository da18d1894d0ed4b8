import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { tokenUsage } from '../../core/usage.js';
import type { UpstreamHttp } from '../../upstream/http-client.js';
import { StreamTally } from '../shared/stream-tally.js';
import { UpstreamExchange } from '../shared/upstream-exchange.js';
import { invalidResponse, parseJsonAnswer, readUpstreamStream } from '../shared/upstream-body.js';
import type { MediaFetcher } from '../../upstream/media.js';
import type { ChatCall, ChatResult, EmbeddingsCall, JsonResult, Provider, UpstreamCall, UpstreamModel } from '../types.js';
import { normalizeOllamaBaseUrl } from './base-url.js';
import { toOllamaChatRequest } from './request.js';
import { ollamaTokenUsage, toChatCompletion } from './response.js';
import { OllamaChatStreamConverter, readOllamaChatStream } from './stream.js';
import { toOllamaEmbedRequest, toOpenAIEmbeddings } from './embeddings.js';
import { toUpstreamModels } from './models.js';
import { ollamaErrorFromPayload, ollamaErrorFromResponse } from './errors.js';
import { ollamaChatResponseSchema, ollamaEmbedResponseSchema, ollamaTagsResponseSchema } from './wire.js';

/** What the gateway fills in from its configuration to reach one Ollama server. */
export interface OllamaOptions {
  /** The provider's configured name, used in errors and logs; `ollama` when not given. */
  id?: string;
  /**
   * The Ollama server (OLLAMA_URL or OLLAMA_BASEURL); `http://localhost:11434` when not given. A trailing
   * `/api` or `/v1` and trailing slashes are accepted and dropped; a reverse proxy's path prefix is kept.
   */
  baseUrl?: string;
  /** The HTTP client for every call to this server; give Ollama its own for an OLLAMA_TIMEOUT of its own. */
  http: UpstreamHttp;
  /**
   * Fetches http(s) image URLs from client messages: Ollama takes images only inline, as base64. Data URLs are
   * read without it.
   */
  fetchMedia: MediaFetcher;
}


const newCompletionId = () => `chatcmpl-${randomBytes(12).toString('hex')}`;

/**
 * A local or remote Ollama server through its native API: chat (`/api/chat`, NDJSON streaming), embeddings
 * (`/api/embed`) and the model list (`/api/tags`), converted to and from OpenAI's shapes. A key, when one is
 * configured (ollama.com, or a server behind an authenticating proxy), goes as `Authorization: Bearer`.
 */
export class OllamaProvider implements Provider {
  readonly id: string;
  readonly baseUrl: string;
  private readonly exchange: UpstreamExchange;
  private readonly fetchMedia: MediaFetcher;

  constructor(options: OllamaOptions) {
    this.id = options.id ?? 'ollama';
    this.baseUrl = normalizeOllamaBaseUrl(options.baseUrl);
    this.exchange = new UpstreamExchange(this.id, options.http, (apiKey, accept) => this.headers(apiKey, accept), ollamaErrorFromResponse);
    this.fetchMedia = options.fetchMedia;
  }

  async chatCompletions(call: ChatCall): Promise<ChatResult> {
    const ollamaRequest = await toOllamaChatRequest(call.request, call.upstreamModel, this.fetchMedia);
    const identity = { id: newCompletionId(), model: call.upstreamModel };
    const body = JSON.stringify(ollamaRequest);
    if (!ollamaRequest.stream) {
      const answer = await this.exchangeJson('POST', '/api/chat', body, call, ollamaChatResponseSchema);
      return { kind: 'json', body: JSON.stringify(toChatCompletion(answer, identity)), usage: ollamaTokenUsage(answer) };
    }
    const response = await this.exchange.stream(`${this.baseUrl}/api/chat`, body, call, 'application/x-ndjson');
    const tally = new StreamTally(call.excerptChars);
    const converter = new OllamaChatStreamConverter({ ...identity, includeUsage: call.request.stream_options?.include_usage === true, tally });
    tally.readUsageFrom(() => converter.usage);
    const context = { provider: this.id, apiKey: call.apiKey };
    const events = readUpstreamStream(this.id, response.body, (chunks) => readOllamaChatStream(chunks, converter, context), () => converter.completed);
    return { kind: 'stream', events, report: tally };
  }

  async embeddings(call: EmbeddingsCall): Promise<JsonResult> {
    const body = JSON.stringify(toOllamaEmbedRequest(call.request, call.upstreamModel));
    const answer = await this.exchangeJson('POST', '/api/embed', body, call, ollamaEmbedResponseSchema);
    const embeddings = toOpenAIEmbeddings(answer, { model: call.upstreamModel, encodingFormat: call.request.encoding_format });
    return { kind: 'json', body: JSON.stringify(embeddings), usage: tokenUsage({ prompt: embeddings.usage.prompt_tokens }) };
  }

  async listModels(call: UpstreamCall): Promise<UpstreamModel[]> {
    return toUpstreamModels(await this.exchangeJson('GET', '/api/tags', undefined, call, ollamaTagsResponseSchema));
  }

  private headers(apiKey: string | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
    return headers;
  }

  /** One request with one JSON answer: a non-2xx status or an `{"error":…}` body is thrown; the shape is checked. */
  private async exchangeJson<Schema extends z.ZodType>(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    call: UpstreamCall,
    schema: Schema,
  ): Promise<z.infer<Schema>> {
    const text = await this.exchange.json(method, `${this.baseUrl}${path}`, body, call);
    const parsed = parseJsonAnswer(this.id, text);
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed) throw ollamaErrorFromPayload(this.id, text, call.apiKey);
    const checked = schema.safeParse(parsed);
    if (!checked.success) {
      throw invalidResponse(this.id, `sent a ${path} answer in an unexpected shape`);
    }
    return checked.data;
  }
}
