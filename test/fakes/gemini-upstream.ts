import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readChunkLines, readFixture } from '../helpers/fixtures.js';
import { FakeServer, type IncomingCall, sleep, writeScriptedStream } from './fake-server.js';

/**
 * A fake Gemini Developer API (generativelanguage v1beta) on loopback, speaking the real protocol byte for byte
 * where it is known: `POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse` (each event
 * `data: <json>` + CRLF CRLF, Google's compact `"key": value` spelling, no `[DONE]`; the stream just ends),
 * `:embedContent`, `:batchEmbedContents` (at most 100 requests), `:countTokens`, `GET /v1beta/models` (paginated
 * with `pageSize` / `pageToken` / `nextPageToken`) and `GET /v1beta/models/{model}`; the model calls also under
 * Vertex AI express mode's `/v1beta1/publishers/google/models/…` (`vertexUrl`). The key is read from
 * `x-goog-api-key` or `?key=`; errors are Google RPC bodies with Google's statuses (400 API_KEY_INVALID for a
 * wrong key, 403 for a missing one, 404 for an unknown model, 429 with RetryInfo …).
 *
 * It also checks requests the way the real API does where a converter could get it wrong: unknown fields are
 * "Unknown name … Cannot find field" 400s, both thinking budget and level is a 400, and Gemini 3 models reject a
 * history whose function calls lost their thought signature.
 *
 * Behaviour is scripted per request (`script`, or `enqueue` for a sequence); every request is recorded with its
 * path, query, headers and body; aborted responses are recorded too.
 */

/** Gemini's model paths, and Vertex AI express mode's (`/v1beta1/publishers/google/models/{model}:generateContent`). */
const MODEL_ROUTE = /^\/(?:v1beta|v1beta1\/publishers\/google)\/models(?:\/([^:/]+)(?::([A-Za-z]+))?)?$/;

export interface RecordedGeminiRequest {
  method: string;
  /** The path without the query: `/v1beta/models/gemini-2.5-flash:generateContent`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: Record<string, unknown> | undefined;
  /** The model named in the path (`gemini-2.5-flash`), for model routes. */
  model: string | undefined;
  action: GeminiAction;
  apiKey: string | undefined;
  keySource: 'header' | 'query' | undefined;
}

export type GeminiAction =
  | 'generateContent'
  | 'streamGenerateContent'
  | 'embedContent'
  | 'batchEmbedContents'
  | 'countTokens'
  | 'predict'
  | 'listModels'
  | 'getModel'
  | 'uploadStart'
  | 'uploadChunk'
  | 'listFiles'
  | 'getFile'
  | 'deleteFile'
  | 'unknown';

export interface FakeFunctionCall {
  name: string;
  args?: Record<string, unknown>;
  id?: string;
  /** Sent on the part; the first call of a Gemini 3 turn gets a generated one when this is left out. */
  thoughtSignature?: string;
}

export type GeminiFakeBehaviour =
  /** A model answer; `thought` is returned as a thought part only when the request asked for includeThoughts. */
  | { kind: 'text'; text: string; thought?: string; finishReason?: string; pieces?: number }
  | { kind: 'function_calls'; calls: FakeFunctionCall[]; text?: string; thought?: string }
  /** A recorded fixture: `<name>.json` for generateContent, `<name>.chunks.txt` for streams (e.g. `google/google-text`). */
  | { kind: 'fixture'; name: string }
  /** Exactly these responses: `body` for generateContent, `chunks` (or `[body]`) for streams. */
  | { kind: 'response'; body: Record<string, unknown>; chunks?: Record<string, unknown>[] }
  | { kind: 'blocked'; blockReason: string }
  | { kind: 'error'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; contentType: string; body: string };

export interface GeminiStreamControl {
  /** Delay before the response headers. */
  headerDelayMs?: number;
  /** Delay before each chunk after the first. */
  chunkDelayMs?: number;
  /** After this many chunks the connection is destroyed (a mid-stream failure). */
  failAfterChunks?: number;
  /** After this many chunks an in-band `data: {"error": …}` event is sent and the stream ends. */
  errorAfterChunks?: number;
  /** After this many chunks the stream ends cleanly but early: no finishReason ever comes. */
  endAfterChunks?: number;
  /** After this many chunks the stream stays open, sending nothing. */
  hangAfterChunks?: number;
}

export type GeminiScriptedBehaviour = GeminiFakeBehaviour & GeminiStreamControl;
export type GeminiScript = (request: RecordedGeminiRequest) => GeminiScriptedBehaviour | undefined;

export interface FakeGeminiModel {
  name: string;
  supportedGenerationMethods: string[];
  [field: string]: unknown;
}

// ---- Google's error bodies ----

export interface GoogleErrorBody {
  error: { code: number; message: string; status: string; details?: Record<string, unknown>[] };
}

export function googleError(code: number, status: string, message: string, details?: Record<string, unknown>[]): GoogleErrorBody {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

export const apiKeyInvalidError = (): GoogleErrorBody =>
  googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: 'API_KEY_INVALID',
      domain: 'googleapis.com',
      metadata: { service: 'generativelanguage.googleapis.com' },
    },
    { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
  ]);

export const missingKeyError = (): GoogleErrorBody =>
  googleError(
    403,
    'PERMISSION_DENIED',
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );

export const rateLimitError = (options: { retryDelay?: string; quotaId?: string; quotaValue?: string } = {}): GoogleErrorBody =>
  googleError(
    429,
    'RESOURCE_EXHAUSTED',
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: options.quotaId ?? 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
            quotaValue: options.quotaValue ?? '10',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: options.retryDelay ?? '34s' },
    ],
  );

export const modelNotFoundError = (model: string, method: string): GoogleErrorBody =>
  googleError(
    404,
    'NOT_FOUND',
    `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );

export const invalidArgumentError = (message: string): GoogleErrorBody => googleError(400, 'INVALID_ARGUMENT', message);

export const overloadedError = (): GoogleErrorBody => googleError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');

// ---- the model list ----

const chatModel = (name: string, displayName: string, thinking: boolean, extra: Record<string, unknown> = {}): FakeGeminiModel => ({
  name: `models/${name}`,
  version: name.includes('preview') ? `${name.split('-').slice(1, 2).join('')}-preview` : '001',
  displayName,
  description: `${displayName} (fake)`,
  inputTokenLimit: 1048576,
  outputTokenLimit: 65536,
  supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
  temperature: 1,
  topP: 0.95,
  topK: 64,
  maxTemperature: 2,
  thinking,
  ...extra,
});

export function defaultGeminiModels(): FakeGeminiModel[] {
  return [
    chatModel('gemini-2.0-flash', 'Gemini 2.0 Flash', false, { outputTokenLimit: 8192, topK: 40 }),
    chatModel('gemini-2.5-flash', 'Gemini 2.5 Flash', true),
    chatModel('gemini-2.5-pro', 'Gemini 2.5 Pro', true),
    chatModel('gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', true),
    chatModel('gemini-2.5-flash-image', 'Nano Banana', false, { outputTokenLimit: 32768 }),
    chatModel('gemini-3-pro-preview', 'Gemini 3 Pro Preview', true),
    chatModel('gemini-3-flash-preview', 'Gemini 3 Flash Preview', true),
    {
      name: 'models/gemma-3-27b-it',
      version: '001',
      displayName: 'Gemma 3 27B',
      inputTokenLimit: 131072,
      outputTokenLimit: 8192,
      supportedGenerationMethods: ['generateContent', 'countTokens'],
      temperature: 1,
      topP: 0.95,
      topK: 64,
    },
    {
      name: 'models/embedding-001',
      version: '001',
      displayName: 'Embedding 001',
      description: 'Obtain a distributed representation of a text.',
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ['embedContent'],
    },
    {
      name: 'models/text-embedding-004',
      version: '004',
      displayName: 'Text Embedding 004',
      description: 'Obtain a distributed representation of a text.',
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ['embedContent'],
    },
    {
      name: 'models/gemini-embedding-001',
      version: '001',
      displayName: 'Gemini Embedding 001',
      description: 'Obtain a distributed representation of a text.',
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent'],
    },
    chatModel('gemini-2.5-flash-preview-tts', 'Gemini 2.5 Flash Preview TTS', false, { outputTokenLimit: 16384 }),
    {
      name: 'models/imagen-4.0-generate-001',
      version: '001',
      displayName: 'Imagen 4',
      inputTokenLimit: 480,
      outputTokenLimit: 8192,
      supportedGenerationMethods: ['predict'],
    },
  ];
}

// ---- wire helpers ----

/** A distinct stand-in for a PNG: the PNG signature, then bytes derived from the prompt and index. */
export const fakePng = (prompt: string, index: number): Buffer =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), createHash('sha256').update(`${prompt}#${index}`).digest()]);

/**
 * JSON as Google's servers write it inside SSE events: one line, a space after each colon, none after commas
 * (`{"candidates": [{"content": {"parts": [{"text": "Hi"}],"role": "model"}}]}`).
 */
export function googleCompactJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => googleCompactJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${googleCompactJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Google's unary JSON: pretty-printed with two spaces. */
const googlePrettyJson = (value: unknown): string => JSON.stringify(value, null, 2);

/** One SSE event as Gemini frames it. */
export const geminiSseEvent = (value: unknown): string => `data: ${googleCompactJson(value)}\r\n\r\n`;

const GOOGLE_HEADERS = {
  vary: 'Origin, X-Origin, Referer',
  server: 'scaffolding on HTTPServer2',
  'x-xss-protection': '0',
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
};


/** A deterministic unit vector derived from the text, so tests can compare values exactly. */
export function fakeGeminiEmbedding(text: string, dimensions: number): number[] {
  const raw: number[] = [];
  let block = Buffer.alloc(0);
  for (let index = 0; index < dimensions; index += 1) {
    if (index % 32 === 0) block = createHash('sha256').update(`${text}#${index / 32}`).digest();
    raw.push((block[index % 32]! - 128) / 128);
  }
  const norm = Math.hypot(...raw) || 1;
  return raw.map((value) => Math.fround(value / norm));
}

/** Google's rule of thumb, about 4 characters a token. */
export const estimateTokens = (text: string): number => (text === '' ? 0 : Math.max(1, Math.ceil(text.length / 4)));

const isGemini3 = (model: string) => /^gemini-([3-9]|\d{2,})/.test(model);

function splitIntoPieces(text: string, pieces: number): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [text];
  const size = Math.max(1, Math.ceil(words.length / pieces));
  const result: string[] = [];
  for (let index = 0; index < words.length; index += size) result.push(words.slice(index, index + size).join(''));
  return result.length > 0 ? result : [''];
}

const newResponseId = () => randomBytes(16).toString('base64url').slice(0, 22);
const newThoughtSignature = () => randomBytes(96).toString('base64');

// ---- request checks, as strict as the real API where a converter could go wrong ----

const REQUEST_FIELDS = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'tools',
  'toolConfig',
  'tool_config',
  'safetySettings',
  'safety_settings',
  'generationConfig',
  'generation_config',
  'cachedContent',
  'cached_content',
  'model',
  'labels',
]);
const GENERATION_CONFIG_FIELDS = new Set([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  '_responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'enableEnhancedCivicAnswers',
  'speechConfig',
  'thinkingConfig',
  'imageConfig',
  'mediaResolution',
]);
const PART_FIELDS = new Set([
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
  'thought',
  'thoughtSignature',
  'videoMetadata',
  'partMetadata',
  'mediaResolution',
]);
const FUNCTION_DECLARATION_FIELDS = new Set(['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior']);
const SCHEMA_FIELDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const unknownName = (name: string, at?: string) =>
  `Invalid JSON payload received. Unknown name "${name}"${at ? ` at '${at}'` : ''}: Cannot find field.`;

function checkSchema(schema: Json, at: string, problems: string[]): void {
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_FIELDS.has(key)) {
      problems.push(unknownName(key, at));
      continue;
    }
    if (key === 'properties') {
      const properties = asObject(value) ?? {};
      for (const [name, child] of Object.entries(properties)) checkSchema(asObject(child) ?? {}, `${at}.properties[${name}].value`, problems);
    } else if (key === 'items') checkSchema(asObject(value) ?? {}, `${at}.items`, problems);
    else if (key === 'anyOf') asArray(value).forEach((child, index) => checkSchema(asObject(child) ?? {}, `${at}.any_of[${index}]`, problems));
  }
  if (String(schema.type).toLowerCase() === 'object' && asObject(schema.properties) && Object.keys(asObject(schema.properties)!).length === 0) {
    problems.push(`* GenerateContentRequest.${at}.properties: should be non-empty for OBJECT type`);
  }
}

/** The problems the real API would report for this GenerateContentRequest, if any (400 INVALID_ARGUMENT). */
export function checkGenerateContentRequest(body: Json, model: string): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(body)) if (!REQUEST_FIELDS.has(key)) problems.push(unknownName(key));
  const contents = asArray(body.contents);
  if (contents.length === 0) problems.push('* GenerateContentRequest.contents: contents is not specified');
  contents.forEach((content, contentIndex) => {
    const parts = asArray(asObject(content)?.parts);
    if (parts.length === 0) problems.push(`* GenerateContentRequest.contents[${contentIndex}].parts: contents.parts must not be empty.`);
    parts.forEach((part, partIndex) => {
      for (const key of Object.keys(asObject(part) ?? {})) {
        if (!PART_FIELDS.has(key)) problems.push(unknownName(key, `contents[${contentIndex}].parts[${partIndex}]`));
      }
    });
  });
  const generationConfig = asObject(body.generationConfig) ?? {};
  for (const key of Object.keys(generationConfig)) {
    if (!GENERATION_CONFIG_FIELDS.has(key)) problems.push(unknownName(key, 'generation_config'));
  }
  const thinking = asObject(generationConfig.thinkingConfig);
  if (thinking && thinking.thinkingBudget !== undefined && thinking.thinkingLevel !== undefined) {
    problems.push('You can only set only one of thinking budget and thinking level.');
  }
  if (generationConfig.responseSchema !== undefined && generationConfig.responseJsonSchema !== undefined) {
    problems.push('responseSchema and responseJsonSchema cannot both be set.');
  }
  if (asObject(generationConfig.responseSchema)) checkSchema(asObject(generationConfig.responseSchema)!, 'generation_config.response_schema', problems);
  asArray(body.tools).forEach((tool, toolIndex) => {
    asArray(asObject(tool)?.functionDeclarations).forEach((declaration, index) => {
      const at = `tools[${toolIndex}].function_declarations[${index}]`;
      const fields = asObject(declaration) ?? {};
      for (const key of Object.keys(fields)) if (!FUNCTION_DECLARATION_FIELDS.has(key)) problems.push(unknownName(key, at));
      if (fields.parameters !== undefined && fields.parametersJsonSchema !== undefined) {
        problems.push(`* GenerateContentRequest.${at}: parameters and parameters_json_schema are mutually exclusive`);
      }
      if (asObject(fields.parameters)) checkSchema(asObject(fields.parameters)!, `${at}.parameters`, problems);
    });
  });
  if (isGemini3(model)) problems.push(...checkThoughtSignatures(contents));
  return problems;
}

/**
 * Gemini 3's rule: within the current turn (everything after the last user message that is not only function
 * responses), the first function call of each model step must carry its thought signature.
 */
function checkThoughtSignatures(contents: unknown[]): string[] {
  let turnStart = 0;
  contents.forEach((content, index) => {
    const object = asObject(content);
    const parts = asArray(object?.parts).map((part) => asObject(part) ?? {});
    if (object?.role !== 'model' && parts.some((part) => part.functionResponse === undefined)) turnStart = index;
  });
  const problems: string[] = [];
  for (let index = turnStart; index < contents.length; index += 1) {
    const object = asObject(contents[index]);
    if (object?.role !== 'model') continue;
    const parts = asArray(object.parts).map((part) => asObject(part) ?? {});
    const position = parts.findIndex((part) => part.functionCall !== undefined);
    if (position === -1 || typeof parts[position]!.thoughtSignature === 'string') continue;
    const name = String(asObject(parts[position]!.functionCall)?.name ?? '');
    problems.push(
      `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${index + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
    );
  }
  return problems;
}

function promptText(body: Json): string {
  const texts: string[] = [];
  const collect = (content: unknown) => {
    for (const part of asArray(asObject(content)?.parts)) {
      const object = asObject(part) ?? {};
      if (typeof object.text === 'string') texts.push(object.text);
      if (object.functionResponse !== undefined) texts.push(JSON.stringify(object.functionResponse));
    }
  };
  collect(body.systemInstruction);
  for (const content of asArray(body.contents)) collect(content);
  return texts.join('\n');
}

function lastUserText(body: Json): string {
  const user = [...asArray(body.contents)].reverse().find((content) => {
    const object = asObject(content);
    return object?.role === 'user' && asArray(object.parts).some((part) => typeof asObject(part)?.text === 'string');
  });
  const texts = asArray(asObject(user)?.parts)
    .map((part) => asObject(part)?.text)
    .filter((text): text is string => typeof text === 'string');
  return texts.join(' ') || 'your message';
}

// ---- the Files API ----

const FILE_ACTIONS = new Set<GeminiAction>(['uploadStart', 'uploadChunk', 'listFiles', 'getFile', 'deleteFile']);

export const filePermissionError = (file: string): GoogleErrorBody =>
  googleError(403, 'PERMISSION_DENIED', `You do not have permission to access the File ${file.slice('files/'.length)} or it may not exist.`);

interface FakeFile {
  name: string;
  displayName: string;
  mimeType: string;
  sizeBytes: string;
  createTime: string;
  updateTime: string;
  expirationTime: string;
  sha256Hash: string;
  uri: string;
  state: 'ACTIVE';
  source: 'UPLOADED';
}

/**
 * Gemini's Files API as the real one behaves: a resumable upload (`X-Goog-Upload-Protocol: resumable` and
 * `-Command: start` answer with `X-Goog-Upload-URL`, which carries the key as Google's does, and
 * `X-Goog-Upload-Status: active`; chunks with `-Command: upload` / `upload, finalize` and `-Offset`; the last one
 * answers `{"file": …}` with status `final`), list, get and delete. A file belongs to the key that uploaded it:
 * any other key gets 403 PERMISSION_DENIED for it, in the Files API and in a model call naming it.
 */
export class FakeGeminiFiles {
  readonly stored = new Map<string, { owner: string; file: FakeFile; content: string }>();
  private readonly uploads = new Map<string, { owner: string; displayName: string; mimeType: string; content: string }>();

  constructor(private readonly origin: () => string) {}

  /** The first file a model request names that this key does not own. */
  foreignFile(rawBody: string, key: string): string | undefined {
    for (const match of rawBody.matchAll(/"fileUri"\s*:\s*"[^"]*?(files\/[a-z0-9-]+)"/g)) {
      const stored = this.stored.get(match[1]!);
      if (!stored || stored.owner !== key) return match[1]!;
    }
    return undefined;
  }

  answer(request: RecordedGeminiRequest, res: ServerResponse, rawBody: string, send: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    const key = request.apiKey!;
    const header = (name: string) => String(request.headers[name] ?? '');
    switch (request.action) {
      case 'uploadStart': {
        if (header('x-goog-upload-protocol') !== 'resumable' || header('x-goog-upload-command') !== 'start') {
          return send(400, invalidArgumentError('Only the resumable upload protocol is implemented by this fake.'));
        }
        const metadata = asObject(asObject(request.body)?.file);
        const id = randomBytes(16).toString('hex');
        this.uploads.set(id, { owner: key, displayName: String(metadata?.displayName ?? metadata?.display_name ?? ''), mimeType: header('x-goog-upload-header-content-type') || 'application/octet-stream', content: '' });
        res.writeHead(200, {
          'x-goog-upload-status': 'active',
          'x-goog-upload-url': `${this.origin()}/upload/v1beta/files?key=${encodeURIComponent(key)}&upload_id=${id}&upload_protocol=resumable`,
          'x-goog-upload-chunk-granularity': '8388608',
          'x-goog-upload-control-url': `${this.origin()}/upload/v1beta/files?key=${encodeURIComponent(key)}&upload_id=${id}&upload_protocol=resumable`,
          'content-type': 'text/plain; charset=utf-8',
          'content-length': '0',
        });
        res.end();
        return;
      }
      case 'uploadChunk': {
        const id = request.query.upload_id!;
        const upload = this.uploads.get(id);
        if (!upload) return send(404, googleError(404, 'NOT_FOUND', 'Upload session not found.'));
        if (upload.owner !== key) return send(403, googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'));
        const command = header('x-goog-upload-command').split(',').map((part) => part.trim());
        if (Number(header('x-goog-upload-offset')) !== Buffer.byteLength(upload.content)) return send(400, invalidArgumentError('Invalid X-Goog-Upload-Offset.'));
        upload.content += rawBody;
        if (!command.includes('finalize')) {
          res.writeHead(200, { 'x-goog-upload-status': 'active', 'content-length': '0' });
          res.end();
          return;
        }
        this.uploads.delete(id);
        const name = `files/${randomBytes(6).toString('hex')}`;
        const now = new Date();
        const file: FakeFile = {
          name,
          displayName: upload.displayName,
          mimeType: upload.mimeType,
          sizeBytes: String(Buffer.byteLength(upload.content)),
          createTime: now.toISOString(),
          updateTime: now.toISOString(),
          expirationTime: new Date(now.getTime() + 48 * 3_600_000).toISOString(),
          sha256Hash: createHash('sha256').update(upload.content).digest('base64'),
          uri: `https://generativelanguage.googleapis.com/v1beta/${name}`,
          state: 'ACTIVE',
          source: 'UPLOADED',
        };
        this.stored.set(name, { owner: key, file, content: upload.content });
        return send(200, { file }, { 'x-goog-upload-status': 'final' });
      }
      case 'listFiles':
        return send(200, { files: [...this.stored.values()].filter((stored) => stored.owner === key).map((stored) => stored.file) });
      case 'getFile':
      case 'deleteFile': {
        const name = request.path.slice('/v1beta/'.length);
        const stored = this.stored.get(name);
        if (!stored || stored.owner !== key) return send(403, filePermissionError(name));
        if (request.action === 'getFile') return send(200, stored.file);
        this.stored.delete(name);
        return send(200, {});
      }
      default:
        return send(404, googleError(404, 'NOT_FOUND', 'Not found.'));
    }
  }
}

// ---- the server ----

export class FakeGeminiUpstream extends FakeServer<RecordedGeminiRequest> {
  /** Keys accepted; empty accepts any non-empty key. */
  acceptedKeys = new Set<string>();
  models: FakeGeminiModel[] = defaultGeminiModels();
  /** Per-request behaviour; when it returns undefined, the queue and then the default answer apply. */
  script: GeminiScript = () => undefined;
  /** Checks requests like the real API (unknown fields, thinking config, thought signatures). */
  strict = true;
  /** The largest page `GET /models` returns (1000 on the real API); lower it to exercise pagination. */
  maxPageSize = 1000;
  /** The base URL a client uses: `http://127.0.0.1:<port>/v1beta` (`origin` is the server root, for SDKs). */
  url = '';
  protected readonly description = 'the fake Gemini upstream';

  private readonly queue: GeminiScriptedBehaviour[] = [];
  /** Gemini's Files API: uploads in progress and files, each owned by the key that uploaded it. */
  readonly files = new FakeGeminiFiles(() => this.origin);

  /** The base URL of the same models on Vertex AI's express-mode path: `http://127.0.0.1:<port>/v1beta1/publishers/google`. */
  vertexUrl = '';

  protected override started(): void {
    this.url = `${this.origin}/v1beta`;
    this.vertexUrl = `${this.origin}/v1beta1/publishers/google`;
  }

  /** Behaviours for the next model calls (generate, stream, embed, count), consumed in order. */
  enqueue(...behaviours: GeminiScriptedBehaviour[]): this {
    this.queue.push(...behaviours);
    return this;
  }

  /** The recorded model calls (everything but model listing). */
  get calls(): RecordedGeminiRequest[] {
    return this.requests.filter((request) => request.action !== 'listModels' && request.action !== 'getModel');
  }

  protected record({ req, url, rawBody, body }: IncomingCall): RecordedGeminiRequest {
    const query = Object.fromEntries(url.searchParams.entries());
    const headerKey = req.headers['x-goog-api-key'];
    const fromHeader = typeof headerKey === 'string' && headerKey !== '';
    const route = MODEL_ROUTE.exec(decodeURIComponent(url.pathname));
    const method = req.method ?? 'GET';
    let action: GeminiAction = 'unknown';
    const filePath = /^\/v1beta\/files(?:\/([a-z0-9-]+))?$/.exec(url.pathname);
    if (url.pathname === '/upload/v1beta/files' && method === 'POST') action = query.upload_id === undefined ? 'uploadStart' : 'uploadChunk';
    else if (filePath && method === 'GET') action = filePath[1] === undefined ? 'listFiles' : 'getFile';
    else if (filePath && method === 'DELETE' && filePath[1] !== undefined) action = 'deleteFile';
    if (route && method === 'GET' && route[1] === undefined) action = 'listModels';
    else if (route && method === 'GET' && route[1] !== undefined && route[2] === undefined) action = 'getModel';
    else if (route && method === 'POST' && route[2] !== undefined) {
      const name = route[2];
      if (['generateContent', 'streamGenerateContent', 'embedContent', 'batchEmbedContents', 'countTokens', 'predict'].includes(name)) action = name as GeminiAction;
    }
    return {
      method,
      path: url.pathname,
      query,
      headers: req.headers,
      rawBody,
      body,
      model: route?.[1],
      action,
      apiKey: fromHeader ? headerKey : query.key,
      keySource: fromHeader ? 'header' : query.key ? 'query' : undefined,
    };
  }

  protected async respond(recorded: RecordedGeminiRequest, { res, url, rawBody, body, bodyIsInvalid: bodyInvalid }: IncomingCall): Promise<void> {
    const { apiKey, action, method, query } = recorded;
    if (!apiKey) return this.sendJson(res, 403, missingKeyError());
    if (this.acceptedKeys.size > 0 && !this.acceptedKeys.has(apiKey)) return this.sendJson(res, 400, apiKeyInvalidError());
    if (action === 'unknown') {
      return this.sendJson(res, 404, googleError(404, 'NOT_FOUND', `Method not found: ${method} ${url.pathname}`));
    }
    if (FILE_ACTIONS.has(action)) return this.files.answer(recorded, res, rawBody, (status, json, headers) => this.sendJson(res, status, json, headers));
    if (bodyInvalid) {
      return this.sendJson(res, 400, invalidArgumentError(`Invalid JSON payload received. Unexpected token.\n${rawBody.slice(0, 40)}\n^`));
    }
    if (action === 'listModels') return this.listModels(recorded, res);
    const foreign = this.files.foreignFile(rawBody, apiKey);
    if (foreign !== undefined) return this.sendJson(res, 403, filePermissionError(foreign));
    const model = recorded.model ?? '';
    const known = this.models.find((entry) => entry.name === `models/${model}`);
    if (action === 'getModel') return known ? this.sendJson(res, 200, known) : this.sendJson(res, 404, modelNotFoundError(model, 'get'));

    const behaviour = this.script(recorded) ?? this.queue.shift();
    if (behaviour?.headerDelayMs) await sleep(behaviour.headerDelayMs);
    if (behaviour?.kind === 'error') return this.sendJson(res, behaviour.status, behaviour.body, behaviour.headers);
    if (behaviour?.kind === 'raw') {
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType });
      res.end(behaviour.body);
      return;
    }
    const method_ = action === 'streamGenerateContent' ? 'generateContent' : action === 'batchEmbedContents' ? 'embedContent' : action;
    if (!known || !known.supportedGenerationMethods.includes(method_)) return this.sendJson(res, 404, modelNotFoundError(model, method_));

    const request = body ?? {};
    if (action === 'embedContent' || action === 'batchEmbedContents') return this.embed(action, model, request, res);
    if (action === 'predict') return this.predict(request, res);
    if (action === 'countTokens') {
      const inner = asObject(request.generateContentRequest) ?? request;
      const tokens = estimateTokens(promptText(inner));
      return this.sendJson(res, 200, { totalTokens: tokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: tokens }] });
    }
    if (this.strict) {
      const problems = checkGenerateContentRequest(request, model);
      if (problems.length > 0) return this.sendJson(res, 400, invalidArgumentError(problems.join('\n')));
    }
    const stream = action === 'streamGenerateContent';
    const plan = behaviour ?? { kind: 'text', text: `You said: ${lastUserText(request)}` };
    const responses = this.answers(plan, model, request, stream);
    if (!stream) return this.sendJson(res, 200, responses[0]);
    if (query.alt !== 'sse') {
      // Without alt=sse the stream is one JSON array, written element by element.
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', ...GOOGLE_HEADERS });
      res.end(`[${responses.map((response) => googlePrettyJson(response)).join(',\r\n')}]`);
      return;
    }
    return this.sendStream(res, responses, plan);
  }

  /**
   * Imagen's `:predict` (https://ai.google.dev/gemini-api/docs/imagen): `instances[0].prompt`, `parameters.sampleCount`
   * (1–4) and `aspectRatio`; each prediction is a distinct PNG (`fakePng(prompt, index)`) in `bytesBase64Encoded`.
   */
  private predict(request: Json, res: ServerResponse): void {
    const instances = request.instances as { prompt?: unknown }[] | undefined;
    const parameters = (request.parameters ?? {}) as { sampleCount?: unknown; aspectRatio?: unknown };
    const prompt = instances?.[0]?.prompt;
    if (typeof prompt !== 'string' || prompt === '') return this.sendJson(res, 400, invalidArgumentError('* PredictRequest.instances[0].prompt: a prompt is required'));
    const count = parameters.sampleCount ?? 4;
    if (typeof count !== 'number' || count < 1 || count > 4) return this.sendJson(res, 400, invalidArgumentError('sampleCount must be between 1 and 4'));
    if (parameters.aspectRatio !== undefined && !['1:1', '3:4', '4:3', '9:16', '16:9'].includes(String(parameters.aspectRatio))) {
      return this.sendJson(res, 400, invalidArgumentError(`Unsupported aspect ratio: ${String(parameters.aspectRatio)}`));
    }
    const predictions = Array.from({ length: count }, (_, index) => ({ mimeType: 'image/png', bytesBase64Encoded: fakePng(prompt, index).toString('base64') }));
    return this.sendJson(res, 200, { predictions });
  }

  private sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = googlePrettyJson(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': Buffer.byteLength(text),
      ...GOOGLE_HEADERS,
      ...headers,
    });
    res.end(text);
  }

  private async sendStream(res: ServerResponse, responses: Json[], control: GeminiStreamControl): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-disposition': 'attachment', ...GOOGLE_HEADERS });
    const error = googleError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
    const script = {
      delayMs: control.chunkDelayMs,
      failAfter: control.failAfterChunks,
      errorAfter: control.errorAfterChunks,
      endAfter: control.endAfterChunks,
      hangAfter: control.hangAfterChunks,
    };
    await writeScriptedStream(res, responses.map(geminiSseEvent), script, { error: geminiSseEvent(error), done: '' });
  }

  private listModels(request: RecordedGeminiRequest, res: ServerResponse): void {
    const pageSize = Math.min(this.maxPageSize, Math.max(1, Number(request.query.pageSize ?? 50) || 50));
    let offset = 0;
    if (request.query.pageToken) {
      const decoded = Number(Buffer.from(request.query.pageToken, 'base64url').toString('utf8').replace(/^offset:/, ''));
      if (!Number.isInteger(decoded) || decoded < 0) return this.sendJson(res, 400, invalidArgumentError('Invalid page token.'));
      offset = decoded;
    }
    const page = this.models.slice(offset, offset + pageSize);
    const next = offset + pageSize < this.models.length ? Buffer.from(`offset:${offset + pageSize}`).toString('base64url') : undefined;
    this.sendJson(res, 200, next ? { models: page, nextPageToken: next } : { models: page });
  }

  private embed(action: 'embedContent' | 'batchEmbedContents', model: string, body: Json, res: ServerResponse): void {
    const defaultDimensions = model === 'gemini-embedding-001' ? 3072 : 768;
    const embedOne = (request: Json): number[] => {
      const text = asArray(asObject(request.content)?.parts)
        .map((part) => asObject(part)?.text)
        .filter((item): item is string => typeof item === 'string')
        .join(' ');
      const dimensions = typeof request.outputDimensionality === 'number' ? request.outputDimensionality : defaultDimensions;
      return fakeGeminiEmbedding(text, dimensions);
    };
    if (action === 'embedContent') {
      if (!asObject(body.content)) return this.sendJson(res, 400, invalidArgumentError('* EmbedContentRequest.content: content is not specified'));
      return this.sendJson(res, 200, { embedding: { values: embedOne(body) } });
    }
    const requests = asArray(body.requests).map((request) => asObject(request) ?? {});
    if (requests.length === 0) return this.sendJson(res, 400, invalidArgumentError('* BatchEmbedContentsRequest.requests: requests is not specified'));
    if (requests.length > 100) {
      return this.sendJson(res, 400, invalidArgumentError('* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n'));
    }
    const mismatch = requests.findIndex((request) => request.model !== `models/${model}`);
    if (mismatch !== -1) {
      return this.sendJson(
        res,
        400,
        invalidArgumentError(`* BatchEmbedContentsRequest.requests[${mismatch}].model: the model of each request must be the model of the batch (models/${model})\n`),
      );
    }
    this.sendJson(res, 200, { embeddings: requests.map((request) => ({ values: embedOne(request) })) });
  }

  /** The GenerateContentResponses a behaviour produces: one for generateContent, the chunks for a stream. */
  private answers(behaviour: GeminiFakeBehaviour, model: string, request: Json, stream: boolean): Json[] {
    const responseId = newResponseId();
    const wrap = (response: Json): Json => ({ ...response, modelVersion: model, responseId });
    const includeThoughts = asObject(asObject(request.generationConfig)?.thinkingConfig)?.includeThoughts === true;
    const prompt = estimateTokens(promptText(request));
    const usage = (candidates: number, thoughts: number): Json => ({
      promptTokenCount: prompt,
      candidatesTokenCount: candidates,
      totalTokenCount: prompt + candidates + thoughts,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
      ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    });
    const candidate = (parts: Json[], finishReason?: string, extra: Json = {}): Json => ({
      content: { parts, role: 'model' },
      ...(finishReason ? { finishReason } : {}),
      index: 0,
      ...extra,
    });

    switch (behaviour.kind) {
      case 'fixture':
        return stream
          ? readChunkLines(`${behaviour.name}.chunks.txt`).map((line) => JSON.parse(line) as Json)
          : [JSON.parse(readFixture(`${behaviour.name}.json`)) as Json];
      case 'response':
        return stream ? (behaviour.chunks ?? [behaviour.body]) : [behaviour.body];
      case 'blocked': {
        const feedback = { promptFeedback: { blockReason: behaviour.blockReason }, usageMetadata: usage(0, 0) };
        return [wrap(feedback)];
      }
      case 'text': {
        const thoughtParts = includeThoughts && behaviour.thought ? [{ text: behaviour.thought, thought: true }] : [];
        const thoughtTokens = behaviour.thought ? estimateTokens(behaviour.thought) : 0;
        const answerTokens = estimateTokens(behaviour.text);
        const finishReason = behaviour.finishReason ?? 'STOP';
        const signature = isGemini3(model) ? newThoughtSignature() : undefined;
        if (!stream) {
          const last: Json = { text: behaviour.text, ...(signature ? { thoughtSignature: signature } : {}) };
          return [wrap({ candidates: [candidate([...thoughtParts, last], finishReason)], usageMetadata: usage(answerTokens, thoughtTokens) })];
        }
        const chunks: Json[] = [];
        if (thoughtParts.length > 0) chunks.push(wrap({ candidates: [candidate(thoughtParts)], usageMetadata: usage(0, thoughtTokens) }));
        const pieces = splitIntoPieces(behaviour.text, behaviour.pieces ?? 3);
        let sent = '';
        pieces.forEach((piece, index) => {
          sent += piece;
          const last = index === pieces.length - 1 && !signature;
          chunks.push(wrap({ candidates: [candidate([{ text: piece }], last ? finishReason : undefined)], usageMetadata: usage(estimateTokens(sent), thoughtTokens) }));
        });
        // Gemini 3 ends a text stream with an empty part carrying the signature, like google-text.chunks.txt.
        if (signature) chunks.push(wrap({ candidates: [candidate([{ text: '', thoughtSignature: signature }], finishReason)], usageMetadata: usage(answerTokens, thoughtTokens) }));
        return chunks;
      }
      case 'function_calls': {
        const thoughtParts = includeThoughts && behaviour.thought ? [{ text: behaviour.thought, thought: true }] : [];
        const thoughtTokens = behaviour.thought ? estimateTokens(behaviour.thought) : 0;
        const callParts = behaviour.calls.map((call, index) => {
          const signature = call.thoughtSignature ?? (index === 0 && isGemini3(model) ? newThoughtSignature() : undefined);
          return {
            functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.args ?? {} },
            ...(signature ? { thoughtSignature: signature } : {}),
          };
        });
        const parts = [...thoughtParts, ...(behaviour.text ? [{ text: behaviour.text }] : []), ...callParts];
        const tokens = estimateTokens(JSON.stringify(behaviour.calls)) + estimateTokens(behaviour.text ?? '');
        if (!stream) {
          return [wrap({ candidates: [candidate(parts, 'STOP', { finishMessage: 'Model generated function call(s).' })], usageMetadata: usage(tokens, thoughtTokens) })];
        }
        // Like google-tool-call.chunks.txt: the calls whole in one chunk, then an empty text part with STOP.
        return [
          wrap({ candidates: [candidate(parts)], usageMetadata: usage(tokens, thoughtTokens) }),
          wrap({ candidates: [candidate([{ text: '' }], 'STOP')], usageMetadata: usage(tokens, thoughtTokens) }),
        ];
      }
      case 'error':
      case 'raw':
        return [];
    }
  }
}

export async function startFakeGemini(): Promise<FakeGeminiUpstream> {
  return new FakeGeminiUpstream().start();
}
