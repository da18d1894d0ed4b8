import type { IncomingMessage, ServerResponse } from 'node:http';
import { readChunkLines, readJsonFixture } from '../helpers/fixtures.js';
import { FakeServer, type IncomingCall, sleep, writeScriptedStream } from './fake-server.js';

/**
 * A fake Anthropic Messages API on loopback that speaks the real wire format: `POST /v1/messages` as JSON or as
 * SSE with named events (`event: <type>` + `data: <json>` + blank line, pings, no `[DONE]`), `GET /v1/models` with
 * cursor pagination, `x-api-key` and `anthropic-version` checks, and Anthropic's error bodies
 * (`{"type":"error","error":{"type","message"},"request_id"}`) and statuses (401, 429 with retry-after, 529, the
 * mid-stream `event: error`). It also refuses the requests the real API refuses that a converter is most likely
 * to get wrong (missing max_tokens, thinking budget ≥ max_tokens, unpaired tool_use/tool_result, a tool loop
 * whose turn does not start with its thinking, temperature above 1 …), with Anthropic's wording.
 *
 * Tests script the answer per request (`script`) and inspect what arrived (`requests`, `aborted`).
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
  body: Record<string, unknown> | undefined;
}

/** A content block of a scripted answer; `tool_use` ids are generated when not given. */
export type FakeContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

export interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The writes split by time to live; sent in the message and in message_start, as Anthropic does. */
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  /** Server tools used; sent in the message and in message_delta, as Anthropic does. */
  server_tool_use?: { web_search_requests: number; web_fetch_requests?: number };
}

export type AnthropicFakeBehaviour =
  /** A text answer, optionally after a thinking block. */
  | { kind: 'reply'; text: string; thinking?: string; signature?: string; stopReason?: string; usage?: Partial<FakeUsage> }
  /** Tool calls (several in one message, or one without arguments with `input: {}`), optionally after text. */
  | { kind: 'tool_use'; calls: { name: string; input: Record<string, unknown>; id?: string }[]; text?: string; thinking?: string; signature?: string }
  /** Any sequence of blocks. */
  | { kind: 'message'; content: FakeContentBlock[]; stopReason?: string; usage?: Partial<FakeUsage> }
  /** Replays `test/fixtures/anthropic/<name>.chunks.txt` (streaming) or `.json`; `response` picks one of several back-to-back responses. */
  | { kind: 'fixture'; name: string; response?: number }
  /** An Anthropic error answer. */
  | { kind: 'error'; status: number; type: string; message: string; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; contentType: string; body: string; headers?: Record<string, string> };

export interface StreamControl {
  /** Delay before the response headers. */
  headerDelayMs?: number;
  /** Delay before each SSE event after the first. */
  eventDelayMs?: number;
  /** After this many events the connection is destroyed (a mid-stream network failure). */
  failAfterEvents?: number;
  /** After this many events an `event: error` is sent (default `overloaded_error`) and the body ends. */
  errorAfterEvents?: number;
  streamError?: { type: string; message: string };
  /** After this many events the body ends cleanly, without message_stop. */
  endAfterEvents?: number;
  /** After this many events the stream stays open and silent. */
  hangAfterEvents?: number;
}

export type AnthropicScript = (request: RecordedRequest) => (AnthropicFakeBehaviour & StreamControl) | undefined;

export interface FakeModel {
  id: string;
  display_name: string;
  created_at: string;
}

/** Scripted errors with Anthropic's real statuses, types and messages. */
export const anthropicErrors = {
  overloaded: (): AnthropicFakeBehaviour => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }),
  rateLimited: (retryAfterSeconds: number): AnthropicFakeBehaviour => ({
    kind: 'error',
    status: 429,
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  invalidKey: (): AnthropicFakeBehaviour => ({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' }),
  creditBalanceTooLow: (): AnthropicFakeBehaviour => ({
    kind: 'error',
    status: 400,
    type: 'invalid_request_error',
    message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
  }),
  modelNotFound: (model: string): AnthropicFakeBehaviour => ({ kind: 'error', status: 404, type: 'not_found_error', message: `model: ${model}` }),
  apiError: (): AnthropicFakeBehaviour => ({ kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' }),
};

// 2026-10-21 is what @anthropic-ai/sdk 1.x sends (https://platform.claude.com/docs/en/api/versioning).
const SUPPORTED_VERSIONS = new Set(['2026-10-21', '2023-06-01', '2023-01-01']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const blocksOf = (message: Json): Json[] => (Array.isArray(message.content) ? (message.content.filter(isRecord) as Json[]) : []);

export const splitWords = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [];
const splitEvery = (text: string, size: number): string[] => {
  const pieces: string[] = [];
  for (let index = 0; index < text.length; index += size) pieces.push(text.slice(index, index + size));
  return pieces;
};

/** The SSE framing Anthropic uses: the event name equals the payload's `type`. */
export const frameEvent = (payload: string): string => {
  const type = (JSON.parse(payload) as { type?: string }).type ?? 'message';
  return `event: ${type}\ndata: ${payload}\n\n`;
};

/** The events of one response in a fixture that holds several back to back (each ends with message_stop). */
export function responsesInFixture(lines: readonly string[]): string[][] {
  const responses: string[][] = [[]];
  for (const line of lines) {
    responses.at(-1)!.push(line);
    if (line.startsWith('{"type":"message_stop"')) responses.push([]);
  }
  return responses.filter((response) => response.length > 0);
}

/**
 * The reasons Anthropic refuses a Messages request, for the mistakes a converter can make. Each message
 * follows the real API's wording; undefined when the request is acceptable.
 */
export function messagesRequestProblem(body: Json): string | undefined {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (body.max_tokens === undefined) return 'max_tokens: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Input should be a valid integer';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) return 'temperature: Input should be less than or equal to 1';
  if (typeof body.top_p === 'number' && (body.top_p < 0 || body.top_p > 1)) return 'top_p: Input should be less than or equal to 1';
  if (body.system !== undefined && typeof body.system !== 'string') {
    if (!Array.isArray(body.system) || !body.system.every((block) => isRecord(block) && block.type === 'text' && typeof block.text === 'string')) {
      return 'system: Input should be a valid string or a list of text blocks';
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  for (const [index, tool] of tools.entries()) {
    if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) return `tools.${index}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    if (!isRecord(tool.input_schema) || tool.input_schema.type !== 'object') return `tools.${index}.custom.input_schema.type: Input should be 'object'`;
  }
  if (isRecord(body.tool_choice)) {
    const choice = body.tool_choice;
    if (!['auto', 'any', 'tool', 'none'].includes(String(choice.type))) return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
    if (choice.type === 'tool' && !tools.some((tool) => tool.name === choice.name)) return `Tool '${String(choice.name)}' not found in provided tools`;
  }
  const thinking = isRecord(body.thinking) ? body.thinking : undefined;
  const thinkingOn = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
  if (thinking?.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (typeof budget !== 'number' || budget < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    if (budget >= body.max_tokens) {
      return '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size';
    }
  }

  const messages = body.messages as unknown[];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    if (typeof message.content === 'string') {
      if (message.content.trim() === '' && index !== messages.length - 1) return 'messages: text content blocks must contain non-whitespace text';
      continue;
    }
    if (!Array.isArray(message.content) || message.content.length === 0) return `messages.${index}: all messages must have non-empty content except for the optional final assistant message`;
    const blocks = blocksOf(message);
    for (const [position, block] of blocks.entries()) {
      if (block.type === 'text' && (typeof block.text !== 'string' || block.text.trim() === '')) return 'messages: text content blocks must contain non-whitespace text';
      const allowed = message.role === 'user' ? ['text', 'image', 'document', 'tool_result'] : ['text', 'tool_use', 'thinking', 'redacted_thinking'];
      if (!allowed.includes(String(block.type))) return `messages.${index}.content.${position}.type: Input tag '${String(block.type)}' found using 'type' does not match any of the expected tags`;
    }
    const previous = index > 0 && isRecord(messages[index - 1]) ? (messages[index - 1] as Json) : undefined;
    const results = blocks.filter((block) => block.type === 'tool_result');
    if (results.length > 0) {
      const offered = new Set(previous?.role === 'assistant' ? blocksOf(previous).filter((block) => block.type === 'tool_use').map((block) => block.id) : []);
      const unknown = results.find((block) => !offered.has(block.tool_use_id));
      if (unknown) {
        return `messages.${index}.content.${blocks.indexOf(unknown)}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(unknown.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      const firstOther = blocks.findIndex((block) => block.type !== 'tool_result');
      if (firstOther !== -1 && firstOther < blocks.findLastIndex((block) => block.type === 'tool_result')) {
        return `messages.${index}: \`tool_result\` blocks must come first in the content of a user message`;
      }
    }
    const uses = message.role === 'assistant' ? blocks.filter((block) => block.type === 'tool_use') : [];
    const next = messages[index + 1];
    if (uses.length > 0 && isRecord(next)) {
      const answered = new Set(blocksOf(next).filter((block) => block.type === 'tool_result').map((block) => block.tool_use_id));
      const missing = uses.filter((block) => !answered.has(block.id)).map((block) => String(block.id));
      if (missing.length > 0) {
        return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
  }
  const last = messages.at(-1) as Json;
  if (last.role === 'assistant') {
    const blocks = blocksOf(last);
    const lastBlock = blocks.at(-1);
    if (typeof last.content === 'string' ? /\s$/.test(last.content) : lastBlock?.type === 'text' && /\s$/.test(String(lastBlock.text))) {
      return 'messages: final assistant content cannot end with trailing whitespace';
    }
    if (!thinkingOn && blocks.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking')) {
      return `messages.${messages.length - 1}.content.0: When thinking is disabled, an \`assistant\` message in the final position cannot contain \`thinking\`. To use thinking blocks, enable \`thinking\` in your request.`;
    }
  }
  if (thinking?.type === 'enabled') {
    let turnStart = 0;
    messages.forEach((message, index) => {
      if (isRecord(message) && message.role === 'user' && !blocksOf(message).some((block) => block.type === 'tool_result')) turnStart = index + 1;
    });
    const index = messages.findIndex((message, position) => position >= turnStart && isRecord(message) && message.role === 'assistant');
    const first = index === -1 ? [] : blocksOf(messages[index] as Json);
    if (first.some((block) => block.type === 'tool_use') && first[0]?.type !== 'thinking' && first[0]?.type !== 'redacted_thinking') {
      return `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(first[0]?.type)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
    }
  }
  return undefined;
}

export class FakeAnthropicUpstream extends FakeServer<RecordedRequest> {
  /** Keys accepted in `x-api-key`; empty accepts any non-empty key. */
  acceptedKeys = new Set<string>();
  models: FakeModel[] = [
    { id: 'claude-opus-4-5-20251101', display_name: 'Claude Opus 4.5', created_at: '2025-11-24T00:00:00Z' },
    { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
    { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-15T00:00:00Z' },
  ];
  /** The largest page `GET /v1/models` returns whatever `limit` asks (Anthropic's own cap is 1000). */
  maxModelsPageSize = 1000;
  script: AnthropicScript = () => undefined;
  /** The base URL to configure (no `/v1`, like `https://api.anthropic.com`). */
  url = '';

  private counter = 0;
  protected readonly description = 'the fake Anthropic upstream';

  protected override started(): void {
    this.url = this.origin;
  }

  /** A fresh id in Anthropic's format (`msg_01…`, `toolu_01…`, `req_01…`): prefix, `01`, 22 base62 characters. */
  newId(prefix: string): string {
    let value = ++this.counter * 7919 + 104729;
    let suffix = '';
    for (let index = 0; index < 22; index++) {
      suffix += BASE62[value % 62];
      value = Math.floor(value / 62) + index * 31 + this.counter;
    }
    return `${prefix}_01${suffix}`;
  }

  protected record({ req, url, rawBody, body }: IncomingCall): RecordedRequest {
    return { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, body };
  }

  protected async respond(recorded: RecordedRequest, { req, res, url }: IncomingCall): Promise<void> {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || key === '') return this.sendError(res, 401, 'authentication_error', 'x-api-key header is required');
    if (this.acceptedKeys.size > 0 && !this.acceptedKeys.has(key)) return this.sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    const version = req.headers['anthropic-version'];
    if (typeof version !== 'string') return this.sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!SUPPORTED_VERSIONS.has(version)) return this.sendError(res, 400, 'invalid_request_error', `anthropic-version: invalid version "${version}"`);

    if (recorded.method === 'GET' && url.pathname === '/v1/models') return this.listModels(recorded, res);
    if (recorded.method === 'GET' && url.pathname.startsWith('/v1/models/')) {
      const model = this.models.find((entry) => entry.id === decodeURIComponent(url.pathname.slice('/v1/models/'.length)));
      return model ? this.sendJson(res, 200, { type: 'model', ...model }) : this.sendError(res, 404, 'not_found_error', `model: ${url.pathname.slice(11)}`);
    }
    if (recorded.method === 'POST' && url.pathname === '/v1/messages') return this.messages(recorded, res);
    if (recorded.method === 'POST' && url.pathname === '/v1/messages/count_tokens') return this.countTokens(recorded, res);
    return this.sendError(res, 404, 'not_found_error', 'Not found');
  }

  private sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': this.newId('req'),
      ...headers,
    });
    res.end(text);
  }

  private sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
    this.sendJson(res, status, { type: 'error', error: { type, message }, request_id: this.newId('req') }, headers);
  }

  private listModels(request: RecordedRequest, res: ServerResponse): void {
    const limit = Math.min(Number(request.query.get('limit') ?? 20) || 20, 1000, this.maxModelsPageSize);
    const afterId = request.query.get('after_id');
    const start = afterId === null ? 0 : this.models.findIndex((model) => model.id === afterId) + 1;
    const page = this.models.slice(start, start + limit);
    this.sendJson(res, 200, {
      data: page.map((model) => ({ type: 'model', ...model })),
      has_more: start + limit < this.models.length,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    });
  }

  /** `{"input_tokens": N}`: here a character count of the messages, system and tools over four, so tests can tell it. */
  private countTokens(request: RecordedRequest, res: ServerResponse): void {
    const body = request.body;
    if (!body || !Array.isArray(body.messages)) return this.sendError(res, 400, 'invalid_request_error', 'messages: Field required');
    const counted = JSON.stringify([body.system ?? '', body.messages, body.tools ?? []]);
    this.sendJson(res, 200, { input_tokens: Math.ceil(counted.length / 4) });
  }

  private async messages(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = request.body;
    if (!body) return this.sendError(res, 400, 'invalid_request_error', 'There was an issue with the format of your request: the body is not valid JSON');
    const problem = messagesRequestProblem(body);
    if (problem) return this.sendError(res, 400, 'invalid_request_error', problem);
    const behaviour = this.script(request) ?? { kind: 'reply', text: defaultReply(body) };
    if (behaviour.headerDelayMs) await sleep(behaviour.headerDelayMs);
    if (behaviour.kind === 'error') return this.sendError(res, behaviour.status, behaviour.type, behaviour.message, behaviour.headers);
    if (behaviour.kind === 'raw') {
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType, ...behaviour.headers });
      res.end(behaviour.body);
      return;
    }
    const stream = body.stream === true;
    if (behaviour.kind === 'fixture') {
      if (!stream) return this.sendJson(res, 200, readJsonFixture(`anthropic/${behaviour.name}.json`));
      const lines = readChunkLines(`anthropic/${behaviour.name}.chunks.txt`);
      const selected = behaviour.response === undefined ? lines : responsesInFixture(lines)[behaviour.response];
      if (!selected) throw new Error(`fixture ${behaviour.name} has no response ${behaviour.response}`);
      return this.sendStream(res, selected, behaviour);
    }
    const message = this.buildMessage(behaviour, body);
    if (!stream) return this.sendJson(res, 200, message);
    return this.sendStream(res, this.streamEvents(message), behaviour);
  }

  private buildMessage(behaviour: Extract<AnthropicFakeBehaviour, { kind: 'reply' | 'tool_use' | 'message' }>, request: Json) {
    const content: FakeContentBlock[] = [];
    let stopReason = 'end_turn';
    if (behaviour.kind === 'message') {
      content.push(...behaviour.content);
      stopReason = behaviour.stopReason ?? 'end_turn';
    } else {
      if (behaviour.thinking !== undefined) {
        content.push({ type: 'thinking', thinking: behaviour.thinking, signature: behaviour.signature ?? fakeSignature(behaviour.thinking) });
      }
      if (behaviour.kind === 'reply') {
        content.push({ type: 'text', text: behaviour.text });
        stopReason = behaviour.stopReason ?? 'end_turn';
      } else {
        if (behaviour.text) content.push({ type: 'text', text: behaviour.text });
        for (const call of behaviour.calls) content.push({ type: 'tool_use', ...call });
        stopReason = 'tool_use';
      }
    }
    const blocks: FakeContentBlock[] = content.map((block) =>
      block.type === 'tool_use' ? { type: 'tool_use', id: block.id ?? this.newId('toolu'), name: block.name, input: block.input } : block,
    );
    const outputTokens = blocks.reduce((sum, block) => sum + Math.ceil(JSON.stringify(block).length / 4), 1);
    const usage: FakeUsage = {
      input_tokens: Math.ceil(JSON.stringify(request.messages).length / 4),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      ...(behaviour.kind === 'tool_use' ? {} : behaviour.usage),
    };
    return {
      model: String(request.model),
      id: this.newId('msg'),
      type: 'message',
      role: 'assistant',
      content: blocks,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { ...usage, service_tier: 'standard' },
    };
  }

  /** The event payloads Anthropic streams for `message`: pings after the first block start and between blocks. */
  private streamEvents(message: ReturnType<FakeAnthropicUpstream['buildMessage']>): string[] {
    const events: unknown[] = [];
    const { server_tool_use: serverToolUse, ...usage } = message.usage;
    events.push({
      type: 'message_start',
      message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    });
    message.content.forEach((block, index) => {
      const delta = (value: Json) => events.push({ type: 'content_block_delta', index, delta: value });
      if (index > 0) events.push({ type: 'ping' });
      switch (block.type) {
        case 'text':
          events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
          if (index === 0) events.push({ type: 'ping' });
          for (const piece of splitWords(block.text)) delta({ type: 'text_delta', text: piece });
          break;
        case 'thinking':
          events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
          if (index === 0) events.push({ type: 'ping' });
          for (const piece of splitWords(block.thinking)) delta({ type: 'thinking_delta', thinking: piece });
          delta({ type: 'signature_delta', signature: block.signature });
          break;
        case 'redacted_thinking':
          events.push({ type: 'content_block_start', index, content_block: block });
          break;
        case 'tool_use': {
          events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } });
          delta({ type: 'input_json_delta', partial_json: '' });
          const json = Object.keys(block.input).length === 0 ? '' : JSON.stringify(block.input);
          for (const piece of splitEvery(json, 12)) delta({ type: 'input_json_delta', partial_json: piece });
          break;
        }
      }
      events.push({ type: 'content_block_stop', index });
    });
    events.push({
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: null },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
        ...(serverToolUse ? { server_tool_use: serverToolUse } : {}),
      },
    });
    events.push({ type: 'message_stop' });
    return events.map((event) => JSON.stringify(event));
  }

  private async sendStream(res: ServerResponse, payloads: readonly string[], control: StreamControl): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': this.newId('req') });
    const error = control.streamError ?? { type: 'overloaded_error', message: 'Overloaded' };
    const script = {
      delayMs: control.eventDelayMs,
      failAfter: control.failAfterEvents,
      errorAfter: control.errorAfterEvents,
      endAfter: control.endAfterEvents,
      hangAfter: control.hangAfterEvents,
    };
    await writeScriptedStream(res, payloads.map(frameEvent), script, { error: frameEvent(JSON.stringify({ type: 'error', error })), done: '' });
  }
}

function fakeSignature(thinking: string): string {
  return Buffer.from(`fake-signature:${thinking}`, 'utf8').toString('base64');
}

function defaultReply(body: Json): string {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  if (typeof lastUser?.content === 'string') return `You said: ${lastUser.content}`;
  const text = lastUser ? blocksOf(lastUser).find((block) => block.type === 'text')?.text : undefined;
  return `You said: ${typeof text === 'string' ? text : 'your message'}`;
}

export async function startFakeAnthropic(): Promise<FakeAnthropicUpstream> {
  return new FakeAnthropicUpstream().start();
}
