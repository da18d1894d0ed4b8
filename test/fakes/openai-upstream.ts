import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readChunkLines, readFixture, readJsonFixture } from '../helpers/fixtures.js';
import { FakeServer, type IncomingCall, sleep, writeScriptedStream } from './fake-server.js';

/**
 * A fake OpenAI-compatible upstream on loopback that speaks the real wire format: Chat Completions (JSON and SSE
 * with `data: [DONE]`, `stream_options.include_usage`, streamed tool calls), Embeddings (float and base64),
 * Models, and the Responses and legacy Completions APIs replaying recordings of OpenAI's own answers (Responses
 * streams framed `event: <type>` + `data:`, no `[DONE]`), with OpenAI's error bodies. Tests script its behaviour per request and inspect what it received.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  rawBody: string;
  rawBytes: Buffer;
  body: Record<string, unknown> | undefined;
}

export interface ToolCallSpec {
  name: string;
  arguments: string;
}

export type FakeBehaviour =
  | { kind: 'reply'; text: string; reasoning?: string; finishReason?: string }
  | { kind: 'tool_calls'; calls: ToolCallSpec[] }
  | { kind: 'fixture'; name: string }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; contentType: string; body: string };

export interface StreamControl {
  /** Delay before each chunk after the first. */
  chunkDelayMs?: number;
  /** Delay before the response headers. */
  headerDelayMs?: number;
  /** After this many chunks, the connection is destroyed (a mid-stream failure). */
  failAfterChunks?: number;
  /** After this many chunks, an in-band `data: {"error":…}` event is sent and the stream ends. */
  errorAfterChunks?: number;
  /** After this many chunks the stream stays open, sending nothing. */
  hangAfterChunks?: number;
  /** The answer waits until this settles (a test releases it). */
  hold?: Promise<unknown>;
}

export type Script = (request: RecordedRequest) => (FakeBehaviour & StreamControl) | undefined;

const FINGERPRINT = 'fp_fake0001';

/** The upstream key a recorded request carried in `Authorization: Bearer`. */
export const bearerKeyOf = (request: RecordedRequest): string | undefined => /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];

export class FakeOpenAIUpstream extends FakeServer<RecordedRequest> {
  /** Keys accepted in `Authorization: Bearer`; empty accepts any non-empty key. */
  acceptedKeys = new Set<string>();
  models = ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small', 'davinci-002'];
  script: Script = () => undefined;
  /** The usage chat answers report (in the last stream chunk when `stream_options.include_usage` asks for it). */
  usage: Record<string, unknown> = { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 } };
  /** The recording `/v1/responses` replays (`.json`, or `.chunks.txt` for a stream) unless the script names another. */
  responsesFixture = 'openai/openai-phase.1';
  /** The recording `/v1/completions` replays. */
  completionsFixture = 'openai/openai-completion-text';
  /** Where the API lives on this server; `/v1` like OpenAI, or e.g. `/v1beta/openai` to play Gemini's endpoint. */
  pathPrefix = '/v1';
  private created = 1_733_000_000;
  protected readonly description: string = 'the fake OpenAI upstream';

  /** The base URL to configure in the gateway (ends in /v1). */
  url = '';

  protected override started(): void {
    this.url = `${this.origin}/v1`;
  }

  protected record({ req, url, rawBody, rawBytes, body }: IncomingCall): RecordedRequest {
    return { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, rawBody, rawBytes, body };
  }

  /** The key the request carried, where this server expects it. */
  protected keyOf(request: RecordedRequest): string | undefined {
    return bearerKeyOf(request);
  }

  protected rejectKey(res: ServerResponse, key: string | undefined): void {
    this.sendJson(res, 401, {
      error: {
        message: `Incorrect API key provided: ${maskKey(key ?? '')}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
  }

  /** Which endpoint a request is for; undefined for a URL this server does not have (it answers 404). */
  protected endpointOf(
    request: RecordedRequest,
    res: ServerResponse,
  ): 'models' | 'chat' | 'embeddings' | 'responses' | 'completions' | 'images' | 'image_edits' | 'speech' | 'transcriptions' | 'answered' | undefined {
    const path = request.path.startsWith(this.pathPrefix) ? `/v1${request.path.slice(this.pathPrefix.length)}` : request.path;
    const route = `${request.method} ${path}`;
    if (route === 'GET /v1/models') return 'models';
    if (route === 'POST /v1/chat/completions') return 'chat';
    if (route === 'POST /v1/embeddings') return 'embeddings';
    if (route === 'POST /v1/responses') return 'responses';
    if (route === 'POST /v1/completions') return 'completions';
    if (route === 'POST /v1/images/generations') return 'images';
    if (route === 'POST /v1/images/edits') return 'image_edits';
    if (route === 'POST /v1/audio/speech') return 'speech';
    if (route === 'POST /v1/audio/transcriptions') return 'transcriptions';
    this.sendJson(res, 404, { error: { message: `Invalid URL (${route})`, type: 'invalid_request_error', param: null, code: null } });
    return 'answered';
  }

  /** Events this server sends before the first chunk of a stream (Azure's prompt filter report). */
  protected streamPreamble(): string[] {
    return [];
  }

  protected async respond(recorded: RecordedRequest, { res }: IncomingCall): Promise<void> {
    const key = this.keyOf(recorded);
    if (!key || (this.acceptedKeys.size > 0 && !this.acceptedKeys.has(key))) return this.rejectKey(res, key);
    const endpoint = this.endpointOf(recorded, res);
    if (endpoint === 'images' || endpoint === 'image_edits' || endpoint === 'speech' || endpoint === 'transcriptions') return this.media(endpoint, recorded, res);
    switch (endpoint) {
      case 'models':
        return this.sendJson(res, 200, {
          object: 'list',
          data: this.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'system' })),
        });
      case 'chat':
        return this.chat(recorded, res);
      case 'embeddings':
        return this.embeddings(recorded, res);
      case 'responses':
      case 'completions':
        return this.replay(recorded, res, this.endpointOf(recorded, res) === 'responses' ? this.responsesFixture : this.completionsFixture);
      default:
        return;
    }
  }

  /**
   * The Images and Audio APIs: images and edits answer OpenAI's recorded bodies (gpt-image-1's with its token usage
   * added), speech answers `speechBytes` as audio/mpeg, transcriptions answer the recorded whisper body (json and
   * verbose_json) or its text. Multipart requests must carry a boundary and a `file` or `image` part.
   */
  private media(endpoint: 'images' | 'image_edits' | 'speech' | 'transcriptions', request: RecordedRequest, res: ServerResponse): void {
    const behaviour = this.script(request);
    if (behaviour?.kind === 'error') return this.sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
    const multipart = /^multipart\/form-data; *boundary=/.test(request.headers['content-type'] ?? '');
    if ((endpoint === 'image_edits' || endpoint === 'transcriptions') && !multipart) {
      return this.sendJson(res, 400, { error: { message: 'Expected multipart/form-data.', type: 'invalid_request_error', param: null, code: null } });
    }
    if (endpoint === 'images') return this.sendJson(res, 200, { ...readJsonFixture<Record<string, unknown>>('openai/openai-image.json'), ...(request.body?.model === 'gpt-image-1' ? { usage: this.imageUsage } : {}) });
    if (endpoint === 'image_edits') return this.sendJson(res, 200, readJsonFixture('openai/openai-image-edit.json'));
    if (endpoint === 'speech') {
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': this.speechBytes.length });
      res.end(this.speechBytes);
      return;
    }
    const format = /name="response_format"\r\n\r\n([a-z_]+)\r\n/.exec(request.rawBody)?.[1] ?? 'json';
    const transcript = readJsonFixture<{ text: string }>('openai/openai-transcription.json');
    if (format === 'text') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${transcript.text}\n`);
      return;
    }
    return this.sendJson(res, 200, format === 'verbose_json' ? transcript : { text: transcript.text, usage: { type: 'duration', seconds: 37 } });
  }

  /** What speech answers: bytes that are not UTF-8, so that a gateway that reads them as text breaks them. */
  speechBytes = Buffer.from([0xff, 0xfb, 0x90, 0x64, 0x00, 0x0f, 0xf0, 0x00, 0x00, 0x69, 0x80, 0xc3, 0x28, 0xa0, 0xfe]);
  /** gpt-image-1's usage in its answers. */
  imageUsage = { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 50, image_tokens: 0 } };

  protected sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private async chat(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = request.body ?? {};
    const behaviour = this.script(request) ?? { kind: 'reply', text: defaultReply(body) };
    if (behaviour.headerDelayMs) await sleep(behaviour.headerDelayMs);
    if (behaviour.hold) await behaviour.hold;
    if (behaviour.kind === 'error') return this.sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
    if (behaviour.kind === 'raw') {
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType });
      res.end(behaviour.body);
      return;
    }
    const model = typeof body.model === 'string' ? body.model : 'unknown';
    const stream = body.stream === true;
    const includeUsage = stream && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;

    if (behaviour.kind === 'fixture') {
      if (!stream) return this.sendJson(res, 200, readJsonFixture(`${behaviour.name}.json`));
      return this.sendStream(res, readChunkLines(`${behaviour.name}.chunks.txt`), behaviour);
    }

    const id = `chatcmpl-fake${++this.created}`;
    const usage = this.usage;
    if (!stream) {
      const message =
        behaviour.kind === 'reply'
          ? { role: 'assistant', content: behaviour.text, refusal: null, annotations: [], ...(behaviour.reasoning ? { reasoning_content: behaviour.reasoning } : {}) }
          : {
              role: 'assistant',
              content: null,
              refusal: null,
              annotations: [],
              tool_calls: behaviour.calls.map((call, index) => ({ id: `call_${index}`, type: 'function', function: call })),
            };
      return this.sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: this.created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: behaviour.kind === 'reply' ? (behaviour.finishReason ?? 'stop') : 'tool_calls' }],
        usage,
        service_tier: 'default',
        system_fingerprint: FINGERPRINT,
      });
    }

    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created: this.created,
        model,
        system_fingerprint: FINGERPRINT,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(includeUsage ? { usage: null } : {}),
      });
    const lines: string[] = [];
    if (behaviour.kind === 'reply') {
      lines.push(chunk({ role: 'assistant', content: '', refusal: null }));
      if (behaviour.reasoning) for (const piece of splitWords(behaviour.reasoning)) lines.push(chunk({ content: null, reasoning_content: piece }));
      for (const piece of splitWords(behaviour.text)) lines.push(chunk({ content: piece }));
      lines.push(chunk({}, behaviour.finishReason ?? 'stop'));
    } else {
      lines.push(chunk({ role: 'assistant', content: null }));
      behaviour.calls.forEach((call, index) => {
        lines.push(chunk({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }));
        for (const piece of splitEvery(call.arguments, 5)) lines.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      });
      lines.push(chunk({}, 'tool_calls'));
    }
    if (includeUsage) {
      lines.push(JSON.stringify({ id, object: 'chat.completion.chunk', created: this.created, model, system_fingerprint: FINGERPRINT, choices: [], usage }));
    }
    return this.sendStream(res, lines, behaviour);
  }

  /**
   * A recorded answer of the Responses or Completions API: the `.json` body byte for byte, or the `.chunks.txt`
   * stream framed as the API frames it (Responses: named events and no `[DONE]`; Completions: `data:` and `[DONE]`,
   * with a usage chunk when `stream_options.include_usage` asks for one, as OpenAI adds it).
   */
  private async replay(request: RecordedRequest, res: ServerResponse, defaultFixture: string): Promise<void> {
    const body = request.body ?? {};
    const behaviour = this.script(request) ?? { kind: 'fixture', name: defaultFixture };
    if (behaviour.headerDelayMs) await sleep(behaviour.headerDelayMs);
    if (behaviour.kind === 'error') return this.sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
    const name = behaviour.kind === 'fixture' ? behaviour.name : defaultFixture;
    if (body.stream !== true) {
      const text = readFixture(`${name}.json`);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    const lines = readChunkLines(`${name}.chunks.txt`);
    if (request.path.endsWith('/responses')) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const frames = lines.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
      const script = { delayMs: behaviour.chunkDelayMs, failAfter: behaviour.failAfterChunks, errorAfter: undefined, hangAfter: behaviour.hangAfterChunks };
      await writeScriptedStream(res, frames, script, { error: '', done: '' });
      return;
    }
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const last = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    const usageChunk = JSON.stringify({ ...last, choices: [], usage: { prompt_tokens: 14, completion_tokens: 16, total_tokens: 30 } });
    return this.sendStream(res, includeUsage ? [...lines, usageChunk] : lines, behaviour);
  }

  private async sendStream(res: ServerResponse, chunks: string[], control: StreamControl): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const frames = [...this.streamPreamble(), ...chunks].map((chunk) => `data: ${chunk}\n\n`);
    const error = { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } };
    const script = { delayMs: control.chunkDelayMs, failAfter: control.failAfterChunks, errorAfter: control.errorAfterChunks, hangAfter: control.hangAfterChunks };
    await writeScriptedStream(res, frames, script, { error: `data: ${JSON.stringify(error)}\n\n`, done: 'data: [DONE]\n\n' });
  }

  private embeddings(request: RecordedRequest, res: ServerResponse): void {
    const body = request.body ?? {};
    const behaviour = this.script(request);
    if (behaviour?.kind === 'error') return this.sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
    const inputs = Array.isArray(body.input) ? (body.input as unknown[]) : [body.input];
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 8;
    const data = inputs.map((input, index) => {
      const vector = fakeEmbedding(JSON.stringify(input), dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    this.sendJson(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 } });
  }
}

/** A deterministic unit vector derived from the input text, so tests can compare values exactly. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const digest = createHash('sha256').update(text).digest();
  const raw = Array.from({ length: dimensions }, (_, index) => (digest[index % digest.length]! - 128) / 128);
  const norm = Math.hypot(...raw) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

function defaultReply(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const text = typeof lastUser?.content === 'string' ? lastUser.content : 'your message';
  return `You said: ${text}`;
}

function maskKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

export const splitWords = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [];
const splitEvery = (text: string, size: number): string[] => {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
};

export async function startFakeOpenAI(): Promise<FakeOpenAIUpstream> {
  return new FakeOpenAIUpstream().start();
}
