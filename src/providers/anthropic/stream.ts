import type { StreamTally } from '../shared/stream-tally.js';
import { UpstreamError } from '../../core/errors.js';
import type { SseEvent } from '../../core/sse.js';
import { calledFromCode, isRecord, REASONING_SEPARATOR } from './block-rules.js';
import { anthropicErrorFromStreamEvent } from './errors.js';
import { type OpenAIFinishReason, toOpenAIFinishReason } from './finish-reason.js';
import { toolCallIdCarrying } from './tool-call-id.js';
import type { TokenUsage } from '../../core/usage.js';
import { anthropicTokenUsage, mergeUsage, toOpenAIUsage } from './usage.js';
import {
  type AnthropicReasoningBlock,
  type AnthropicUsage,
  contentBlockStartSchema,
  messageDeltaSchema,
  messageStartSchema,
} from './wire.js';

export interface StreamConverterOptions {
  /** The provider id, for errors. */
  provider: string;
  /** The key used for the call, removed from any upstream error text. */
  apiKey: string | undefined;
  /** Counts the generated text for the stream's report. */
  tally?: StreamTally;
  /** The client asked for `stream_options.include_usage`. */
  includeUsage: boolean;
  /** `created` of every chunk (Unix seconds). */
  created: number;
}

/** What the converter remembers about each open content block, by Anthropic's block index. */
type BlockState =
  | { kind: 'text' }
  | { kind: 'thinking'; thinking: string; signature: string; sentText: boolean }
  | { kind: 'redacted_thinking'; data: string }
  | { kind: 'tool_call'; index: number; sentArguments: boolean; initialInput: unknown }
  | { kind: 'ignored' };

type Json = Record<string, unknown>;

/**
 * Converts Anthropic's stream events, one at a time, into OpenAI `chat.completion.chunk` payloads.
 *
 * message_start → role chunk; text_delta → `content`; thinking_delta → `reasoning_content`; each client tool_use
 * block → a tool call numbered by its position among tool calls (not by block index), opened with id, type, name
 * and `arguments: ""`, then its input_json_delta fragments; message_delta → the finish chunk; message_stop → the
 * usage chunk when asked for, and the end. Signatures and redacted thinking are collected into the next tool
 * call's id (see tool-call-id.ts). Pings, server-tool blocks, citations and unknown events are skipped. An
 * `error` event, or a second message starting inside the first, is thrown as an UpstreamError.
 */
export class AnthropicStreamConverter {
  /** message_stop was seen: the response is complete. */
  completed = false;

  private messageId: string | undefined;
  private chunkPrefix = '';
  private readonly usageNull: string;
  private startUsage: AnthropicUsage | undefined;
  /** message_start's usage updated by message_delta's: the whole response's, once the message has finished. */
  private finalUsage: AnthropicUsage | undefined;
  private readonly blocks = new Map<number, BlockState>();
  private reasoningSinceLastCall: AnthropicReasoningBlock[] = [];
  private toolCallCount = 0;
  private sentReasoning = false;
  private finishSent = false;
  /** A message can arrive whole in message_start (a programmatic tool call), its stop reason with it. */
  private startStopReason: string | null = null;
  /** Chunks made, the opening role chunk included. */
  private chunksMade = 0;

  constructor(private readonly options: StreamConverterOptions) {
    // With include_usage OpenAI sends `"usage": null` on every chunk but the last.
    this.usageNull = options.includeUsage ? ',"usage":null' : '';
  }

  /** The usage of the whole response, once message_delta has arrived (also when not sent to the client). */
  get usage(): TokenUsage | undefined {
    return this.finalUsage && anthropicTokenUsage(this.finalUsage);
  }

  /** Converts one upstream event, appending the chunk payloads it produces to `out`. */
  accept(event: SseEvent, out: string[]): void {
    if (event.event === 'ping') return;
    const data = this.parse(event.data);
    const type = typeof data.type === 'string' ? data.type : event.event;
    if (type === 'ping') return;
    if (type === 'error') throw anthropicErrorFromStreamEvent(this.options.provider, event.data, this.options.apiKey);
    if (type === 'message_start') return this.startMessage(data, out);
    if (this.messageId === undefined) throw this.protocolError(`sent '${type ?? 'an unnamed event'}' before message_start`);
    switch (type) {
      case 'content_block_start':
        return this.startBlock(data, out);
      case 'content_block_delta':
        return this.applyDelta(data, out);
      case 'content_block_stop':
        return this.stopBlock(data, out);
      case 'message_delta':
        return this.finishMessage(data, out);
      case 'message_stop':
        this.sendFinish(this.startStopReason, undefined, out);
        if (this.options.includeUsage && this.finalUsage) out.push(`${this.chunkPrefix},"choices":[],"usage":${JSON.stringify(toOpenAIUsage(this.finalUsage))}}`);
        this.completed = true;
        return;
      default:
        return;
    }
  }

  /** Called when the upstream body has ended; throws unless the response was complete. */
  end(): void {
    if (!this.completed) {
      throw new UpstreamError(this.options.provider, 'protocol', 502, `Upstream ${this.options.provider} ended the stream before the response was complete.`, {
        code: 'upstream_stream_truncated',
      });
    }
  }

  private parse(text: string): Json {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw this.protocolError('sent an event that is not JSON');
    }
    if (!isRecord(data)) throw this.protocolError('sent an event that is not a JSON object');
    return data;
  }

  private protocolError(what: string): UpstreamError {
    return new UpstreamError(this.options.provider, 'protocol', 502, `Upstream ${this.options.provider} ${what}.`, { code: 'upstream_invalid_response' });
  }

  private chunk(delta: Json, finishReason: OpenAIFinishReason | null = null): string {
    this.chunksMade++;
    this.options.tally?.countDelta(delta as Parameters<StreamTally['countDelta']>[0]);
    const finish = finishReason === null ? 'null' : `"${finishReason}"`;
    return `${this.chunkPrefix},"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish}}]${this.usageNull}}`;
  }

  private startMessage(data: Json, out: string[]): void {
    const parsed = messageStartSchema.safeParse(data);
    if (!parsed.success) throw this.protocolError('sent a malformed message_start');
    const { id, model, usage } = parsed.data.message;
    if (this.messageId !== undefined) {
      // The same message announced twice is harmless; a different one would splice two answers into one.
      if (id === this.messageId) return;
      throw this.protocolError(`started message ${id} before finishing ${this.messageId}`);
    }
    this.messageId = id;
    this.startUsage = usage ?? undefined;
    const stopReason = (data.message as { stop_reason?: unknown } | undefined)?.stop_reason;
    if (typeof stopReason === 'string') this.startStopReason = stopReason;
    this.chunkPrefix = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${this.options.created},"model":${JSON.stringify(model)}`;
    out.push(this.chunk({ role: 'assistant', content: '', refusal: null }));
  }

  private startBlock(data: Json, out: string[]): void {
    const parsed = contentBlockStartSchema.safeParse(data);
    if (!parsed.success) throw this.protocolError('sent a malformed content_block_start');
    const { index, content_block: block } = parsed.data;
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text' });
        if (typeof block.text === 'string' && block.text !== '') out.push(this.chunk({ content: block.text }));
        return;
      case 'thinking':
        this.blocks.set(index, { kind: 'thinking', thinking: '', signature: typeof block.signature === 'string' ? block.signature : '', sentText: false });
        if (typeof block.thinking === 'string') this.addThinking(index, block.thinking, out);
        return;
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'redacted_thinking', data: typeof block.data === 'string' ? block.data : '' });
        return;
      case 'tool_use': {
        if (calledFromCode(block)) {
          this.blocks.set(index, { kind: 'ignored' });
          return;
        }
        if (typeof block.id !== 'string' || typeof block.name !== 'string') throw this.protocolError('sent a tool_use block without id or name');
        const toolCall = { index: this.toolCallCount++, sentArguments: false, initialInput: block.input };
        this.blocks.set(index, { kind: 'tool_call', ...toolCall });
        const id = toolCallIdCarrying(block.id, this.reasoningSinceLastCall);
        this.reasoningSinceLastCall = [];
        out.push(this.chunk({ tool_calls: [{ index: toolCall.index, id, type: 'function', function: { name: block.name, arguments: '' } }] }));
        return;
      }
      default:
        this.blocks.set(index, { kind: 'ignored' });
    }
  }

  private addThinking(blockIndex: number, text: string, out: string[]): void {
    const block = this.blocks.get(blockIndex);
    if (block?.kind !== 'thinking' || text === '') return;
    block.thinking += text;
    const separator = !block.sentText && this.sentReasoning ? REASONING_SEPARATOR : '';
    block.sentText = true;
    this.sentReasoning = true;
    out.push(this.chunk({ reasoning_content: separator + text }));
  }

  private applyDelta(data: Json, out: string[]): void {
    const { index, delta } = data;
    if (typeof index !== 'number' || !isRecord(delta)) throw this.protocolError('sent a malformed content_block_delta');
    const block = this.blocks.get(index);
    if (!block) throw this.protocolError(`sent a delta for content block ${index}, which was never started`);
    switch (delta.type) {
      case 'text_delta':
        if (block.kind === 'text' && typeof delta.text === 'string' && delta.text !== '') out.push(this.chunk({ content: delta.text }));
        return;
      case 'thinking_delta':
        if (typeof delta.thinking === 'string') this.addThinking(index, delta.thinking, out);
        return;
      case 'signature_delta':
        if (block.kind === 'thinking' && typeof delta.signature === 'string') block.signature += delta.signature;
        return;
      case 'input_json_delta':
        if (block.kind === 'tool_call' && typeof delta.partial_json === 'string' && delta.partial_json !== '') {
          block.sentArguments = true;
          out.push(this.chunk({ tool_calls: [{ index: block.index, function: { arguments: delta.partial_json } }] }));
        }
        return;
      default:
        return;
    }
  }

  private stopBlock(data: Json, out: string[]): void {
    if (typeof data.index !== 'number') throw this.protocolError('sent a malformed content_block_stop');
    const block = this.blocks.get(data.index);
    this.blocks.delete(data.index);
    if (block?.kind === 'thinking') {
      this.reasoningSinceLastCall.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    } else if (block?.kind === 'redacted_thinking') {
      this.reasoningSinceLastCall.push({ type: 'redacted_thinking', data: block.data });
    } else if (block?.kind === 'tool_call' && !block.sentArguments) {
      // A call without arguments streams only an empty fragment; clients parse `arguments`, and '' is not JSON.
      const input = isRecord(block.initialInput) ? block.initialInput : {};
      out.push(this.chunk({ tool_calls: [{ index: block.index, function: { arguments: JSON.stringify(input) } }] }));
    }
  }

  private finishMessage(data: Json, out: string[]): void {
    const parsed = messageDeltaSchema.safeParse(data);
    if (!parsed.success) throw this.protocolError('sent a malformed message_delta');
    this.finalUsage = mergeUsage(this.startUsage, parsed.data.usage);
    const { stop_reason: stopReason, stop_details: stopDetails } = parsed.data.delta;
    this.sendFinish(stopReason, stopReason === 'refusal' ? (stopDetails?.explanation ?? undefined) : undefined, out);
  }

  private sendFinish(stopReason: string | null | undefined, refusal: string | undefined, out: string[]): void {
    if (this.finishSent) return;
    this.finishSent = true;
    if (refusal) out.push(this.chunk({ refusal }));
    // A message that stopped without a reason and said nothing is an empty answer: no finish reason is made up for it.
    if (stopReason != null || this.chunksMade > 1 || refusal) out.push(this.chunk({}, toOpenAIFinishReason(stopReason, this.toolCallCount > 0)));
    this.finalUsage ??= { ...this.startUsage };
  }
}

/**
 * Runs Anthropic's event batches through `converter` and yields OpenAI chunk batches. It returns once the message
 * is complete and throws when it is not (an error event, a protocol fault, or an end without message_stop).
 *
 * The role chunk is held back until the first content: if the upstream fails before any (an `overloaded_error`
 * right after message_start is common), the failure then comes with the first batch, so the gateway can still
 * retry the call on another key instead of breaking a response it had already begun.
 */
export async function* toOpenAIChunkBatches(batches: AsyncIterable<SseEvent[]>, converter: AnthropicStreamConverter): AsyncGenerator<string[]> {
  let pending: string[] = [];
  let started = false;
  for await (const batch of batches) {
    for (const event of batch) {
      try {
        converter.accept(event, pending);
      } catch (error) {
        // Once the client has part of the answer, it also gets whatever arrived just before the failure.
        if (started && pending.length > 0) yield pending;
        throw error;
      }
      if (converter.completed) break;
    }
    if (converter.completed) {
      if (pending.length > 0) yield pending;
      return;
    }
    if (!started && pending.length <= 1) continue;
    if (pending.length > 0) {
      started = true;
      yield pending;
      pending = [];
    }
  }
  converter.end();
}
