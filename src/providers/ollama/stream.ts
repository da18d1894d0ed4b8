import type { TokenUsage } from '../../core/usage.js';
import type { StreamTally } from '../shared/stream-tally.js';
import {
  type CompletionIdentity,
  createdSeconds,
  type OpenAIChoiceLogprobs,
  type OpenAIToolCall,
  toFinishReason,
  toOpenAILogprobs,
  ollamaTokenUsage,
  toChatUsage,
  toOpenAIToolCall,
} from './response.js';
import { invalidResponse, parseJsonAnswer, streamTruncated } from '../shared/upstream-body.js';
import { NdjsonLineSplitter } from './ndjson.js';
import { ollamaErrorFromPayload } from './errors.js';
import { type OllamaChatResponse, ollamaChatResponseSchema } from './wire.js';

interface ChunkDelta {
  role?: 'assistant';
  content?: string;
  reasoning_content?: string;
  tool_calls?: (OpenAIToolCall & { index: number })[];
}

export interface StreamConverterOptions extends CompletionIdentity {
  /** The client asked for `stream_options.include_usage`: a last chunk with the usage and no choices. */
  includeUsage: boolean;
  now?: () => number;
  /** Counts the generated text for the stream's report. */
  tally?: StreamTally;
}

/**
 * Turns the lines of an Ollama chat stream into OpenAI `chat.completion.chunk` payloads: the role first, then a
 * chunk per line with its thinking (`reasoning_content`), text and tool calls (numbered across the whole
 * answer, each sent whole), then the finish reason and, when asked for, the usage. Ollama's final line
 * (`done: true`) completes the answer; the usage stays readable here either way.
 */
export class OllamaChatStreamConverter {
  private created: number | undefined;
  private model: string | undefined;
  private roleSent = false;
  private toolCallCount = 0;
  private finalUsage: TokenUsage | undefined;

  constructor(private readonly options: StreamConverterOptions) {}

  /** True once the final line arrived: the answer is complete. */
  get completed(): boolean {
    return this.finalUsage !== undefined;
  }

  /** The token counts from the final line; undefined until it arrived. */
  get usage(): TokenUsage | undefined {
    return this.finalUsage;
  }

  /** The chunk payloads for one stream line; nothing once the answer is complete. */
  accept(line: OllamaChatResponse): string[] {
    if (this.completed) return [];
    this.created ??= createdSeconds(line.created_at) ?? Math.floor((this.options.now ?? Date.now)() / 1000);
    this.model ??= line.model || this.options.model;
    const chunks: string[] = [];
    if (!this.roleSent) {
      chunks.push(this.chunk({ role: 'assistant', content: '' }, null, null));
      this.roleSent = true;
    }
    const delta = this.deltaOf(line);
    const logprobs = toOpenAILogprobs(line.logprobs);
    if (delta || logprobs) chunks.push(this.chunk(delta ?? {}, logprobs, null));
    if (line.done === true) {
      this.finalUsage = ollamaTokenUsage(line);
      chunks.push(this.chunk({}, null, toFinishReason(line.done_reason, this.toolCallCount > 0)));
      if (this.options.includeUsage) chunks.push(this.usageChunk(this.finalUsage));
    }
    return chunks;
  }

  private deltaOf(line: OllamaChatResponse): ChunkDelta | undefined {
    const message = line.message;
    if (!message) return undefined;
    const delta: ChunkDelta = {};
    if (message.thinking) delta.reasoning_content = message.thinking;
    if (message.content) delta.content = message.content;
    if (message.tool_calls && message.tool_calls.length > 0) {
      delta.tool_calls = message.tool_calls.map((call) => {
        const index = this.toolCallCount++;
        return { index, ...toOpenAIToolCall(call, this.options.id, index) };
      });
    }
    return Object.keys(delta).length === 0 ? undefined : delta;
  }

  private chunk(delta: ChunkDelta, logprobs: OpenAIChoiceLogprobs | null, finishReason: string | null): string {
    this.options.tally?.countDelta(delta);
    return JSON.stringify({
      id: this.options.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }],
      // With include_usage, OpenAI marks every chunk but the last with an explicit null usage.
      ...(this.options.includeUsage ? { usage: null } : {}),
    });
  }

  private usageChunk(usage: TokenUsage): string {
    return JSON.stringify({ id: this.options.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: toChatUsage(usage) });
  }
}

export interface StreamReadContext {
  provider: string;
  apiKey: string | undefined;
}

/** Parses one NDJSON line of a chat stream; an `{"error":…}` line or a line that is not a chat answer is thrown. */
export function parseChatStreamLine(line: string, context: StreamReadContext): OllamaChatResponse {
  const parsed = parseJsonAnswer(context.provider, line, 'sent a stream line that is not JSON');
  if (parsed !== null && typeof parsed === 'object' && 'error' in parsed) throw ollamaErrorFromPayload(context.provider, line, context.apiKey);
  const answer = ollamaChatResponseSchema.safeParse(parsed);
  if (!answer.success) {
    throw invalidResponse(context.provider, 'sent a stream line in an unexpected shape');
  }
  return answer.data;
}

/**
 * Reads an Ollama chat stream (NDJSON bytes, split however the network split them) and yields the converted
 * OpenAI chunk payloads, one batch per read. It returns as soon as the final line (`done: true`) is converted,
 * and throws an UpstreamError for an error line, a malformed line, or a stream that ends before the final line,
 * so a truncated answer never looks complete. Releasing the source is the caller's business.
 */
export async function* readOllamaChatStream(
  source: AsyncIterable<Uint8Array | string>,
  converter: OllamaChatStreamConverter,
  context: StreamReadContext,
): AsyncGenerator<string[]> {
  const splitter = new NdjsonLineSplitter();
  // Converts the lines of one read into one batch; what came before a failing line is still sent first.
  const batchOf = function* (lines: string[]): Generator<string[]> {
    const batch: string[] = [];
    try {
      for (const line of lines) {
        batch.push(...converter.accept(parseChatStreamLine(line, context)));
        if (converter.completed) break;
      }
    } catch (error) {
      if (batch.length > 0) yield batch;
      throw error;
    }
    if (batch.length > 0) yield batch;
  };

  for await (const chunk of source) {
    yield* batchOf(splitter.push(chunk));
    if (converter.completed) return;
  }
  const last = splitter.flush();
  if (last !== undefined) yield* batchOf([last]);
  if (!converter.completed) throw streamTruncated(context.provider);
}
