import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../core/errors.js';
import type { TokenUsage } from '../../core/usage.js';
import { toMessageUsage, toStopReason } from './message-usage.js';

/** One named server-sent event of Anthropic's stream, framed. */
export const messageEvent = (type: string, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

interface ChunkToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; tool_calls?: ChunkToolCall[] | null }; finish_reason?: string | null }[];
}

type OpenBlock = { kind: 'text' } | { kind: 'thinking' } | { kind: 'tool'; toolIndex: number };

/**
 * OpenAI chat chunks as Anthropic's stream: `message_start` and a `ping` first, then one content block at a time
 * (`content_block_start`, its deltas, `content_block_stop`) with indexes in order, and once the upstream has ended
 * `message_delta` (stop reason and usage) and `message_stop`. Reasoning becomes a thinking block, text a text block,
 * each tool call a `tool_use` block whose arguments come as `input_json_delta`.
 */
export class MessageEventWriter {
  private started = false;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private finishReason: string | null | undefined;
  /** Tool calls whose block has been written, by their index in the OpenAI stream. */
  private readonly toolBlocks = new Set<number>();

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  /** The events for a batch of chunk payloads. */
  write(payloads: readonly string[]): string[] {
    const out: string[] = [];
    this.start(out);
    for (const payload of payloads) {
      const choice = (JSON.parse(payload) as ChatChunk).choices?.[0];
      if (!choice) continue;
      const delta = choice.delta;
      if (delta?.reasoning_content) this.delta(out, { kind: 'thinking' }, { type: 'thinking_delta', thinking: delta.reasoning_content });
      if (delta?.content) this.delta(out, { kind: 'text' }, { type: 'text_delta', text: delta.content });
      for (const call of delta?.tool_calls ?? []) this.toolCall(out, call);
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return out;
  }

  /** The closing events, with the call's usage as the upstream reported it (or as estimated). */
  end(usage: TokenUsage): string[] {
    const out: string[] = [];
    this.start(out);
    this.close(out);
    out.push(messageEvent('message_delta', { delta: { stop_reason: toStopReason(this.finishReason), stop_sequence: null }, usage: toMessageUsage(usage) }));
    out.push(messageEvent('message_stop', {}));
    return out;
  }

  private start(out: string[]): void {
    if (this.started) return;
    this.started = true;
    const message = { id: this.id, type: 'message', role: 'assistant', model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    out.push(messageEvent('message_start', { message }), messageEvent('ping', {}));
  }

  private delta(out: string[], block: { kind: 'text' } | { kind: 'thinking' }, delta: object): void {
    if (this.open?.kind !== block.kind) {
      this.close(out);
      const content = block.kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      out.push(messageEvent('content_block_start', { index: this.nextIndex, content_block: content }));
      this.open = block;
    }
    out.push(messageEvent('content_block_delta', { index: this.nextIndex, delta }));
  }

  private toolCall(out: string[], call: ChunkToolCall): void {
    const toolIndex = call.index ?? 0;
    const current = this.open?.kind === 'tool' && this.open.toolIndex === toolIndex;
    if (!current) {
      if (this.toolBlocks.has(toolIndex)) {
        // Anthropic's blocks are written one after another; arguments of a call whose block is closed have no place.
        throw new GatewayError(502, 'The upstream interleaved the arguments of parallel tool calls, which an Anthropic stream cannot carry.', { code: 'stream_conversion_failed' });
      }
      this.close(out);
      this.toolBlocks.add(toolIndex);
      const id = call.id ?? `toolu_${randomBytes(12).toString('hex')}`;
      out.push(messageEvent('content_block_start', { index: this.nextIndex, content_block: { type: 'tool_use', id, name: call.function?.name ?? '', input: {} } }));
      this.open = { kind: 'tool', toolIndex };
    }
    const partial = call.function?.arguments;
    if (partial) out.push(messageEvent('content_block_delta', { index: this.nextIndex, delta: { type: 'input_json_delta', partial_json: partial } }));
  }

  private close(out: string[]): void {
    if (this.open === undefined) return;
    out.push(messageEvent('content_block_stop', { index: this.nextIndex }));
    this.nextIndex++;
    this.open = undefined;
  }
}
