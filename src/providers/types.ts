import type { Readable } from 'node:stream';
import type { PassthroughApi } from '../config/passthrough-apis.js';
import type { Cancellation } from '../core/cancellation.js';
import type { ChatCompletionRequest, CompletionsRequest, EmbeddingsRequest } from '../core/openai-schemas.js';
import type { TokenUsage } from '../core/usage.js';

/**
 * The contract between the gateway and an upstream. A provider converts an OpenAI-shaped request to its wire
 * format, calls the upstream with the key it is given and converts the answer back. It never touches Koa, the key
 * pool or the store; failures are thrown as UpstreamError (or RequestAbortedError when the caller went away).
 */
export interface Provider {
  /** The configured name: `openai`, `deepseek`, or an operator-chosen proxy name. */
  readonly id: string;
  chatCompletions(call: ChatCall): Promise<ChatResult>;
  embeddings(call: EmbeddingsCall): Promise<JsonResult>;
  listModels(call: UpstreamCall): Promise<UpstreamModel[]>;
  /**
   * Forwards a request in the upstream's own protocol (Gemini's native API, OpenAI's Responses API): bytes go up and
   * come back as they are.
   */
  passthrough?(call: PassthroughCall): Promise<PassthroughResult>;
  /** Gemini's Files API (uploads, list, get, delete), on an upstream that has one. */
  files?(call: FilesCall): Promise<FilesAnswer>;
  /** The OpenAI APIs beside Chat Completions this upstream serves itself; calls to the others are converted to chat. */
  readonly ownApis?: ReadonlySet<OwnOpenAIApi>;
  /** Legacy text completions, on an upstream whose `ownApis` has them: OpenAI's chunks pass through as chat's do. */
  textCompletions?(call: CompletionsCall): Promise<ChatResult>;
  /**
   * Media operations of an upstream that offers them in its own way (Gemini's Imagen, image and speech models);
   * an upstream whose `ownApis` list `images` or `audio` is sent OpenAI's own request instead (`passthrough`).
   */
  generateImages?(call: ImagesCall): Promise<ImagesResult>;
  speech?(call: SpeechCall): Promise<SpeechResult>;
  transcribe?(call: TranscriptionCall): Promise<TranscriptionResult>;
  /** Releases what the provider started itself (worker threads); called once when the gateway stops. */
  close?(): Promise<void>;
}

export interface UpstreamCall {
  /** The upstream key for this attempt; undefined for a keyless upstream. */
  apiKey: string | undefined;
  /** Cancelled when the client goes away or the gateway gives up. */
  cancellation: Cancellation;
}

export interface ChatCall extends UpstreamCall {
  /** The client's validated request; `model` is still the client's spelling. */
  request: ChatCompletionRequest;
  /** The request body exactly as the client sent it, forwarded untouched when nothing needs to change. */
  rawBody: string | undefined;
  /** The model name the upstream knows (the gateway's `provider/` prefix removed). */
  upstreamModel: string;
  /** Characters of the generated text to keep for the request log (LOG_REQUEST_BODIES); 0 or undefined: none. */
  excerptChars?: number;
}

/** OpenAI APIs beside Chat Completions that an upstream may serve itself (OpenAI and Azure serve both). */
export type OwnOpenAIApi = PassthroughApi;

export interface CompletionsCall extends UpstreamCall {
  request: CompletionsRequest;
  rawBody: string | undefined;
  upstreamModel: string;
  excerptChars?: number;
}

export interface EmbeddingsCall extends UpstreamCall {
  request: EmbeddingsRequest;
  rawBody: string | undefined;
  upstreamModel: string;
}

/** A complete JSON response body in OpenAI's shape, serialised once. */
export interface JsonResult {
  kind: 'json';
  body: string;
  /**
   * The answer's usage, read by the provider with its own mapping (every part priced apart), so metering does not
   * parse `body` again; undefined when the upstream reported none.
   */
  usage: TokenUsage | undefined;
}

/**
 * A streamed response (an empty batch is a keep-alive while the answer is awaited): each item is a batch of JSON payloads, one per `data:` event in OpenAI's chunk shape; a
 * batch holds what arrived from the upstream together, so it can be written to the client in one go. The iterator
 * returns when the upstream completed normally and throws when it failed, so the caller never has to guess.
 */
export interface StreamResult {
  kind: 'stream';
  events: AsyncIterable<string[]>;
  /** What the stream reported; complete once `events` has ended or broken off. */
  readonly report: StreamReport;
}

/**
 * Every stream is metered, whether or not the client asked for usage: the provider finds the upstream's usage (and
 * keeps it from the client when only the gateway wanted it) and counts the text for an estimate when none comes.
 */
export interface StreamReport {
  /** The upstream's usage as the provider read it (as JsonResult.usage), undefined when none came. */
  readonly usage: TokenUsage | undefined;
  /** Estimated tokens of the text streamed so far (content, reasoning_content, tool-call arguments), for metering when no usage came. */
  readonly estimatedCompletionTokens: number;
  /** The start of the generated text, at most ChatCall.excerptChars characters ('' when none asked). */
  readonly excerpt: string;
}

export type ChatResult = JsonResult | StreamResult;

export interface UpstreamModel {
  id: string;
  created?: number;
}

export interface PassthroughCall extends UpstreamCall {
  method: 'GET' | 'POST';
  /** Below the provider's base URL: `/models/gemini-2.5-flash:streamGenerateContent`. */
  path: string;
  /** The query string to forward, without `?` ('' for none). */
  query: string;
  /** JSON text, or the bytes of another content type (`contentType`: a multipart upload). */
  body: string | Buffer | undefined;
  /** The body's content type when it is not JSON. */
  contentType?: string;
  accept: string;
  /** Headers of the client's to forward (Anthropic's `anthropic-version` and `anthropic-beta`). */
  headers?: Readonly<Record<string, string>>;
  /** The model the upstream knows, where its URL names it (an Azure deployment). */
  upstreamModel?: string;
}

/** The upstream's 2xx answer; a failed answer is thrown as an UpstreamError carrying it (`answer`). */
export interface PassthroughResult {
  status: number;
  contentType: string;
  /** The first chunk, read before returning so that a failure before the first byte can still be retried. */
  first: Buffer | undefined;
  /** The rest of the body; undefined when `first` is the whole answer (read before returning). */
  body: Readable | undefined;
  /** Settles once the body has ended or was given up. */
  finished: Promise<void>;
  /** The usage the answer reported, read by the provider; read it once the body has ended. */
  readonly usage: TokenUsage | undefined;
}

/** A request of an upstream's Files API (Gemini's), answered whole. */
export interface FilesCall extends UpstreamCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** An upload's start, one of its chunks (to the URL its start answered with), or a path below the API (`/files/abc`). */
  target: { kind: 'upload-start' } | { kind: 'upload-chunk'; url: string } | { kind: 'api'; path: string };
  /** The query string to forward, without `?` ('' for none). */
  query: string;
  /** The client's upload protocol headers and content type. */
  headers: Readonly<Record<string, string>>;
  body: Buffer | undefined;
}

export interface FilesAnswer {
  status: number;
  contentType: string;
  /** The answer's upload protocol headers (`x-goog-upload-status`, …), the upload URL left out. */
  headers: Record<string, string>;
  body: string;
  /** Where an upload's chunks go (an upload start's answer), without any key in it. */
  uploadUrl?: string;
}

/** OpenAI's image sizes as the aspect ratio an upstream that asks for one is sent. */
export type AspectRatio = '1:1' | '3:4' | '4:3' | '9:16' | '16:9';

export interface ImagesCall extends UpstreamCall {
  prompt: string;
  /** How many images (at most what the protocol allowed). */
  n: number;
  aspectRatio: AspectRatio | undefined;
  upstreamModel: string;
}

export interface GeneratedImage {
  mimeType: string;
  base64: string;
  /** The text the model answered beside the image, when it said something. */
  revisedPrompt?: string;
}

export interface ImagesResult {
  images: GeneratedImage[];
  /** The tokens the upstream reported (image models), undefined when it reports none (Imagen). */
  usage: TokenUsage | undefined;
}

export interface SpeechCall extends UpstreamCall {
  input: string;
  /** The voice as the client named it (an OpenAI voice, or the upstream's own). */
  voice: string;
  /** How to speak (`instructions` of gpt-4o-mini-tts). */
  instructions: string | undefined;
  upstreamModel: string;
}

/** Raw PCM audio and the MIME type that says its shape (`audio/L16;codec=pcm;rate=24000`). */
export interface SpeechResult {
  pcm: Buffer;
  mimeType: string;
  usage: TokenUsage | undefined;
}

export interface TranscriptionCall extends UpstreamCall {
  audio: Buffer;
  mimeType: string;
  language: string | undefined;
  /** The client's prompt: words and spellings to expect, or the previous segment's text. */
  prompt: string | undefined;
  /** Ask for timed segments (srt, vtt, verbose_json). */
  timestamps: boolean;
  upstreamModel: string;
}

export interface TranscriptionResult {
  text: string;
  /** Timed segments, when they were asked for and the upstream gave usable ones. */
  segments: { start: number; end: number; text: string }[] | undefined;
  usage: TokenUsage | undefined;
}
