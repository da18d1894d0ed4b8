import { invalidRequest, UpstreamError } from '../../core/errors.js';
import type { TokenUsage } from '../../core/usage.js';
import { parseSse } from '../../core/sse.js';
import { readBodyText } from '../../upstream/http-client.js';
import { completionAsStream } from '../openai-compatible/completion-as-chunks.js';
import { StreamTally } from '../shared/stream-tally.js';
import { UpstreamExchange } from '../shared/upstream-exchange.js';
import { invalidResponse, MAX_JSON_ANSWER_BYTES, parseJsonAnswer, parseJsonOrUndefined, readUpstreamStream } from '../shared/upstream-body.js';
import type { ChatCall, ChatResult, EmbeddingsCall, JsonResult, PassthroughCall, PassthroughResult, Provider, UpstreamCall, UpstreamModel } from '../types.js';
import { anthropicPassthrough } from './passthrough.js';
import { anthropicErrorFromResponse, anthropicErrorFromStreamEvent } from './errors.js';
import { type AnthropicOptions, type ResolvedAnthropicOptions, resolveAnthropicOptions } from './options.js';
import { toAnthropicRequest } from './request.js';
import { type ChatCompletion, toChatCompletion } from './response.js';
import { AnthropicStreamConverter, toOpenAIChunkBatches } from './stream.js';
import { anthropicTokenUsage } from './usage.js';
import { anthropicMessageResponseSchema, modelListPageSchema } from './wire.js';

/** Anthropic's largest page; the list is a few dozen models, so more than a few pages means a looping upstream. */
const MODELS_PAGE_SIZE = 1000;
const MAX_MODEL_PAGES = 20;


const unixSeconds = (rfc3339: string | null | undefined): number | undefined => {
  const ms = rfc3339 ? Date.parse(rfc3339) : Number.NaN;
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
};

const nowInSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Anthropic's Messages API behind the gateway's OpenAI interface: `POST /v1/messages` (JSON or SSE) for chat,
 * `GET /v1/models` for the model list. Requests and answers are converted both ways (request.ts, response.ts,
 * stream.ts); errors keep Anthropic's status and message (errors.ts).
 */
export class AnthropicProvider implements Provider {
  readonly id: string;
  private readonly options: ResolvedAnthropicOptions;
  private readonly baseHeaders: Record<string, string>;
  private readonly exchange: UpstreamExchange;

  constructor(options: AnthropicOptions) {
    this.options = resolveAnthropicOptions(options);
    this.id = this.options.id;
    this.baseHeaders = { 'anthropic-version': this.options.anthropicVersion };
    if (this.options.betaFeatures.length > 0) this.baseHeaders['anthropic-beta'] = this.options.betaFeatures.join(',');
    this.exchange = new UpstreamExchange(this.id, this.options.http, (apiKey, accept, hasBody) => this.headers(apiKey, accept, hasBody), anthropicErrorFromResponse);
  }

  private headers(apiKey: string | undefined, accept: string, hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = { ...this.baseHeaders, accept };
    if (hasBody) headers['content-type'] = 'application/json';
    if (apiKey !== undefined) headers['x-api-key'] = apiKey;
    return headers;
  }

  private requestBody(call: ChatCall): string {
    const model = call.upstreamModel;
    const request = toAnthropicRequest(call.request, model, {
      defaultMaxTokens: this.options.defaultMaxTokens,
      thinkingBudgets: this.options.thinkingBudgets,
      adaptiveThinking: this.options.adaptiveThinkingModels.some((pattern) => pattern.test(model)),
    });
    return JSON.stringify(request);
  }

  async chatCompletions(call: ChatCall): Promise<ChatResult> {
    const body = this.requestBody(call);
    const url = `${this.options.baseUrl}/v1/messages`;
    if (call.request.stream !== true) {
      const { completion, usage } = this.completionFrom(await this.exchange.json('POST', url, body, call), call.apiKey);
      return { kind: 'json', body: JSON.stringify(completion), usage };
    }

    const response = await this.exchange.stream(url, body, call, 'text/event-stream');
    const includeUsage = call.request.stream_options?.include_usage === true;
    if (response.contentType.includes('application/json')) {
      // A proxy in front of Anthropic may ignore `stream: true` and answer with the whole message.
      const { completion, usage } = this.completionFrom(await readBodyText(response.body, MAX_JSON_ANSWER_BYTES), call.apiKey);
      return completionAsStream(completion, usage, includeUsage, call.excerptChars);
    }
    const tally = new StreamTally(call.excerptChars);
    const converter = new AnthropicStreamConverter({ provider: this.id, apiKey: call.apiKey, includeUsage, created: nowInSeconds(), tally });
    tally.readUsageFrom(() => converter.usage);
    const events = readUpstreamStream(this.id, response.body, (chunks) => toOpenAIChunkBatches(parseSse(chunks), converter), () => converter.completed);
    return { kind: 'stream', events, report: tally };
  }

  /** A 2xx JSON answer as an OpenAI completion and its usage; a body that is not a message is an upstream failure. */
  private completionFrom(text: string, apiKey: string | undefined): { completion: ChatCompletion; usage: TokenUsage } {
    const parsed = parseJsonAnswer(this.id, text);
    if (parsed !== null && typeof parsed === 'object' && (parsed as { type?: unknown }).type === 'error') {
      throw anthropicErrorFromStreamEvent(this.id, text, apiKey);
    }
    const message = anthropicMessageResponseSchema.safeParse(parsed);
    if (!message.success) {
      throw invalidResponse(this.id, 'sent a message in an unexpected shape');
    }
    return { completion: toChatCompletion(message.data, { provider: this.id, created: nowInSeconds() }), usage: anthropicTokenUsage(message.data.usage) };
  }

  /** Anthropic's own API for clients that speak it (`/v1/messages`): bytes up and back as they are. */
  passthrough(call: PassthroughCall): Promise<PassthroughResult> {
    return anthropicPassthrough(this.id, this.options.baseUrl, this.options.http, this.baseHeaders, call);
  }

  async embeddings(call: EmbeddingsCall): Promise<JsonResult> {
    throw invalidRequest(`Anthropic has no embeddings API: '${call.request.model ?? call.upstreamModel}' cannot create embeddings.`, 'model', 'model_not_supported');
  }

  /** Every model the key can use, following Anthropic's cursor pagination (`has_more`, `last_id` → `after_id`). */
  async listModels(call: UpstreamCall): Promise<UpstreamModel[]> {
    const models: UpstreamModel[] = [];
    let afterId: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const cursor = afterId === undefined ? '' : `&after_id=${encodeURIComponent(afterId)}`;
      const text = await this.exchange.json('GET', `${this.options.baseUrl}/v1/models?limit=${MODELS_PAGE_SIZE}${cursor}`, undefined, call);
      const list = modelListPageSchema.safeParse(parseJsonOrUndefined(text));
      if (!list.success) throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} sent a model list in an unexpected shape.`);
      for (const model of list.data.data) {
        const created = unixSeconds(model.created_at);
        models.push(created === undefined ? { id: model.id } : { id: model.id, created });
      }
      const next = list.data.last_id ?? undefined;
      if (list.data.has_more !== true || next === undefined || next === afterId) break;
      afterId = next;
    }
    return models;
  }
}
