import { randomBytes } from 'node:crypto';
import { UpstreamError } from '../../core/errors.js';
import { estimatedUsage } from '../../core/usage.js';
import { parseSse } from '../../core/sse.js';
import { readBodyText, type UpstreamHttp } from '../../upstream/http-client.js';
import type { StreamedBody } from '../../upstream/streamed-body.js';
import { StreamTally } from '../shared/stream-tally.js';
import { keepAliveUntil, optimizeChatStream } from '../shared/stream-shaping.js';
import { UpstreamExchange } from '../shared/upstream-exchange.js';
import { invalidResponse, MAX_JSON_ANSWER_BYTES, parseJsonAnswer, readUpstreamStream } from '../shared/upstream-body.js';
import type {
  ChatCall,
  ChatResult,
  EmbeddingsCall,
  FilesAnswer,
  FilesCall,
  ImagesCall,
  ImagesResult,
  JsonResult,
  PassthroughCall,
  PassthroughResult,
  Provider,
  SpeechCall,
  SpeechResult,
  TranscriptionCall,
  TranscriptionResult,
  UpstreamCall,
  UpstreamModel,
} from '../types.js';
import { fromImagenResponse, imagenPredictResponseSchema, imagesOfAnswer, isImagenModel, toImagenRequest, toImageModelRequest } from './images.js';
import { audioOfAnswer, toSpeechRequest } from './speech.js';
import { toTranscriptionRequest, transcriptOfAnswer } from './transcription.js';
import { embeddingInputs, toBatchEmbedRequests, toOpenAIEmbeddings } from './embeddings.js';
import { type ResponseContext, fromGeminiResponse } from './response.js';
import { parseGeminiModel, stripModelsPrefix } from './model-name.js';
import { geminiPassthrough } from './passthrough.js';
import { geminiFilesCall } from './files.js';
import { toUpstreamModels } from './models.js';
import { DEFAULT_GEMINI_BASE_URL, type GeminiOptions } from './options.js';
import { GeminiStreamConverter } from './stream.js';
import { geminiResponseUsage } from './usage.js';
import { toGeminiRequest } from './request.js';
import {
  type GeminiGenerateContentResponse,
  batchEmbedContentsResponseSchema,
  generateContentResponseSchema,
  modelListSchema,
} from './wire.js';
import { geminiErrorFromResponse, geminiErrorFromStreamPayload } from './errors.js';

export interface GeminiProviderOptions extends Partial<Pick<GeminiOptions, 'baseUrl'>>, Omit<GeminiOptions, 'baseUrl'> {
  /** The configured provider name (`gemini` unless the operator named it otherwise). */
  id?: string;
  http: UpstreamHttp;
}

const ERROR_PAYLOAD = /^\s*\{\s*"error"\s*:/;
/** A model list is a few hundred entries; the page bound only stops a proxy that loops on its page token. */
const MAX_MODEL_PAGES = 20;
const NOT_GEMINI_JSON = 'sent a response that is not valid Gemini JSON';

const completionId = (responseId: string | undefined): string =>
  `chatcmpl-${responseId && /^[\w-]+$/.test(responseId) ? responseId : randomBytes(12).toString('base64url')}`;

/**
 * The Gemini Developer API (generativelanguage v1beta) behind the gateway's OpenAI surface: chat through
 * `:generateContent` / `:streamGenerateContent?alt=sse`, embeddings through `:batchEmbedContents`, the model list
 * through `/models`. The key goes in `x-goog-api-key`, never in the URL, so it cannot leak through logged URLs.
 */
export class GeminiProvider implements Provider {
  readonly id: string;
  private readonly baseUrl: string;
  private readonly exchange: UpstreamExchange;
  /** For the native API, whose requests and answers pass through as they are. */
  private readonly http: UpstreamHttp;
  private readonly options: GeminiOptions;

  constructor(options: GeminiProviderOptions) {
    const { id, http, ...rest } = options;
    this.id = id ?? 'gemini';
    this.http = http;
    this.exchange = new UpstreamExchange(this.id, http, (apiKey, accept) => this.headers(apiKey, accept), geminiErrorFromResponse);
    this.baseUrl = (options.baseUrl ?? DEFAULT_GEMINI_BASE_URL).replace(/\/+$/, '');
    this.options = { ...rest, baseUrl: this.baseUrl };
  }

  private headers(apiKey: string | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept };
    if (apiKey !== undefined) headers['x-goog-api-key'] = apiKey;
    return headers;
  }

  private modelUrl(model: string, method: string): string {
    return `${this.baseUrl}/models/${encodeURIComponent(model)}:${method}`;
  }

  async chatCompletions(call: ChatCall): Promise<ChatResult> {
    const route = parseGeminiModel(call.upstreamModel, this.options.imageModels);
    const body = JSON.stringify(await toGeminiRequest(call.request, route, this.options));
    const context: ResponseContext = {
      id: completionId(undefined),
      created: Math.floor(Date.now() / 1000),
      model: call.request.model ?? call.upstreamModel,
      showThinking: this.options.showThinking,
      showSearchLink: this.options.showSearchLink,
      imageLink: this.options.chatImageLink,
    };

    if (call.request.stream === true && this.options.fakeStream) return this.fakeStream(route.model, body, call, context);
    if (call.request.stream !== true) {
      const response = await this.exchange.json('POST', this.modelUrl(route.model, 'generateContent'), body, call);
      const parsed = this.parseResponse(response);
      const completion = fromGeminiResponse(parsed, { ...context, id: completionId(parsed.responseId) });
      if (completion.choices.length === 0) {
        throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} answered without any candidate.`, { code: 'upstream_invalid_response' });
      }
      return { kind: 'json', body: JSON.stringify(completion), usage: geminiResponseUsage(parsed, context.model) };
    }

    const response = await this.exchange.stream(`${this.modelUrl(route.model, 'streamGenerateContent')}?alt=sse`, body, call, 'text/event-stream');
    const { converter, tally } = this.streamConverter(call, context);
    const events = response.contentType.includes('application/json')
      ? this.jsonAsStream(response.body, converter, call.apiKey)
      : readUpstreamStream(this.id, response.body, (chunks) => this.convertStream(chunks, converter, call.apiKey), () => converter.completed);
    return { kind: 'stream', events: this.shaped(events), report: tally };
  }

  private streamConverter(call: ChatCall, context: ResponseContext): { converter: GeminiStreamConverter; tally: StreamTally } {
    const tally = new StreamTally(call.excerptChars);
    const converter = new GeminiStreamConverter({ ...context, includeUsage: call.request.stream_options?.include_usage === true, tally });
    tally.readUsageFrom(() => converter.usage);
    return { converter, tally };
  }

  /** The stream optimizer, when the operator turned it on (STREAM_OPTIMIZER_ENABLED). */
  private shaped(events: AsyncIterable<string[]>): AsyncIterable<string[]> {
    return this.options.streamOptimizer ? optimizeChatStream(events, this.options.streamOptimizer) : events;
  }

  /**
   * A stream request answered from a non-streaming call (FAKE_STREAM_ENABLED), for models that are slow to start:
   * keep-alives while it runs, then the whole answer as chunks. The call has started when this returns, so a
   * failure before the first keep-alive can still be retried on another key.
   */
  private async fakeStream(model: string, body: string, call: ChatCall, context: ResponseContext): Promise<ChatResult> {
    const { converter, tally } = this.streamConverter(call, context);
    const answer = this.exchange.json('POST', this.modelUrl(model, 'generateContent'), body, call).then((text) => {
      const payloads = converter.push(this.parseResponse(text));
      payloads.push(...converter.finish());
      if (!converter.completed) throw this.invalidResponse();
      return payloads;
    });
    const events = keepAliveUntil(answer, this.options.fakeStream!.intervalMs);
    return { kind: 'stream', events: this.shaped(events), report: tally };
  }

  /**
   * Converts the upstream SSE as it arrives, one batch per read. An in-band error or an unparseable chunk is
   * thrown; the final chunks (grounding sources, finish reasons) go out only once every choice finished.
   */
  private async *convertStream(chunks: AsyncIterable<Buffer | string>, converter: GeminiStreamConverter, apiKey: string | undefined): AsyncGenerator<string[]> {
    for await (const batch of parseSse(chunks)) {
      const payloads: string[] = [];
      for (const { data } of batch) {
        if (ERROR_PAYLOAD.test(data)) {
          if (payloads.length > 0) yield payloads;
          throw geminiErrorFromStreamPayload(this.id, data, apiKey);
        }
        payloads.push(...converter.push(this.parseChunk(data)));
      }
      if (payloads.length > 0) yield payloads;
    }
    const tail = converter.finish();
    if (converter.completed && tail.length > 0) yield tail;
  }

  /** An upstream that answered the stream request with one JSON body (a proxy, or `alt=sse` ignored). */
  private async *jsonAsStream(body: StreamedBody, converter: GeminiStreamConverter, apiKey: string | undefined): AsyncGenerator<string[]> {
    const parsed = this.parseJson(await readBodyText(body, MAX_JSON_ANSWER_BYTES));
    const chunks = Array.isArray(parsed) ? parsed : [parsed];
    const payloads: string[] = [];
    for (const chunk of chunks) {
      const serialised = JSON.stringify(chunk);
      if (ERROR_PAYLOAD.test(serialised)) throw geminiErrorFromStreamPayload(this.id, serialised, apiKey);
      payloads.push(...converter.push(this.validate(chunk)));
    }
    payloads.push(...converter.finish());
    if (!converter.completed) throw this.invalidResponse();
    yield payloads;
  }

  async embeddings(call: EmbeddingsCall): Promise<JsonResult> {
    const model = stripModelsPrefix(call.upstreamModel);
    const inputs = embeddingInputs(call.request);
    const vectors: number[][] = [];
    // One batch at a time: a long input list should not hit the per-minute quota all at once.
    for (const batch of toBatchEmbedRequests(inputs, model, call.request.dimensions)) {
      const text = await this.exchange.json('POST', this.modelUrl(model, 'batchEmbedContents'), JSON.stringify(batch), call);
      const parsed = batchEmbedContentsResponseSchema.safeParse(this.parseJson(text));
      if (!parsed.success || parsed.data.embeddings.length !== batch.requests.length) throw this.invalidResponse();
      for (const embedding of parsed.data.embeddings) vectors.push(embedding.values);
    }
    const encoding = call.request.encoding_format === 'base64' ? 'base64' : 'float';
    const embeddings = toOpenAIEmbeddings(vectors, inputs, call.request.model ?? model, encoding);
    // Gemini reports no usage for embeddings: the count is the estimate the answer shows (embeddings.ts).
    return { kind: 'json', body: JSON.stringify(embeddings), usage: estimatedUsage(embeddings.usage.prompt_tokens, 0) };
  }

  async listModels(call: UpstreamCall): Promise<UpstreamModel[]> {
    const models: NonNullable<ReturnType<typeof modelListSchema.parse>['models']> = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page += 1) {
      const query = `pageSize=1000${pageToken ? `&pageToken=${encodeURIComponent(pageToken)}` : ''}`;
      const text = await this.exchange.json('GET', `${this.baseUrl}/models?${query}`, undefined, call);
      const parsed = modelListSchema.safeParse(this.parseJson(text));
      if (!parsed.success) throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} sent a model list in an unexpected shape.`);
      models.push(...(parsed.data.models ?? []));
      pageToken = parsed.data.nextPageToken;
      if (!pageToken) break;
    }
    const { searchModels, imageModels = [], thinkingModels = [], filteredModels = [] } = this.options;
    return toUpstreamModels(models, { search: searchModels, image: imageModels, thinking: thinkingModels, filtered: filteredModels });
  }

  files(call: FilesCall): Promise<FilesAnswer> {
    return geminiFilesCall(this.id, this.baseUrl, this.http, call);
  }

  /**
   * Imagen through `:predict` (no usage reported: billed per image), Gemini's image models through
   * `:generateContent` with image output (billed by their image tokens).
   */
  async generateImages(call: ImagesCall): Promise<ImagesResult> {
    const model = stripModelsPrefix(call.upstreamModel);
    if (isImagenModel(model)) {
      const body = JSON.stringify(toImagenRequest(call.prompt, call.n, call.aspectRatio));
      const parsed = imagenPredictResponseSchema.safeParse(this.parseJson(await this.exchange.json('POST', this.modelUrl(model, 'predict'), body, call)));
      if (!parsed.success) throw this.invalidResponse();
      return { images: this.someImages(fromImagenResponse(parsed.data)), usage: undefined };
    }
    const response = await this.generate(model, JSON.stringify(toImageModelRequest(call.prompt, call.n, model, call.aspectRatio)), call);
    return { images: this.someImages(imagesOfAnswer(response)), usage: geminiResponseUsage(response, model) };
  }

  /** Speech from a TTS model (`gemini-2.5-flash-preview-tts`): raw PCM in the answer's inline data. */
  async speech(call: SpeechCall): Promise<SpeechResult> {
    const model = stripModelsPrefix(call.upstreamModel);
    const response = await this.generate(model, JSON.stringify(toSpeechRequest(call.input, call.voice, call.instructions)), call);
    const audio = audioOfAnswer(response);
    if (!audio) throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} answered without audio.`, { code: 'upstream_invalid_response' });
    return { ...audio, usage: geminiResponseUsage(response, model) };
  }

  /** A transcript by audio understanding: the audio inline, after an instruction to transcribe it verbatim. */
  async transcribe(call: TranscriptionCall): Promise<TranscriptionResult> {
    const model = stripModelsPrefix(call.upstreamModel);
    const response = await this.generate(model, JSON.stringify(toTranscriptionRequest(call)), call);
    return { ...transcriptOfAnswer(response, call.timestamps), usage: geminiResponseUsage(response, model) };
  }

  private async generate(model: string, body: string, call: UpstreamCall) {
    return this.parseResponse(await this.exchange.json('POST', this.modelUrl(model, 'generateContent'), body, call));
  }

  /** An answer without any image (all filtered, or text only) is an upstream failure the client is told about. */
  private someImages<T>(images: T[]): T[] {
    if (images.length === 0) throw new UpstreamError(this.id, 'protocol', 502, `Upstream ${this.id} answered without any image (it may have been filtered).`, { code: 'upstream_no_image' });
    return images;
  }

  passthrough(call: PassthroughCall): Promise<PassthroughResult> {
    return geminiPassthrough(this.id, this.baseUrl, this.http, call);
  }

  private invalidResponse(): UpstreamError {
    return invalidResponse(this.id, NOT_GEMINI_JSON);
  }

  private parseJson(text: string): unknown {
    return parseJsonAnswer(this.id, text, NOT_GEMINI_JSON);
  }

  private validate(value: unknown): GeminiGenerateContentResponse {
    const parsed = generateContentResponseSchema.safeParse(value);
    if (!parsed.success) throw this.invalidResponse();
    return parsed.data;
  }

  private parseResponse(text: string): GeminiGenerateContentResponse {
    return this.validate(this.parseJson(text));
  }

  private parseChunk(data: string): GeminiGenerateContentResponse {
    return this.validate(this.parseJson(data));
  }
}
