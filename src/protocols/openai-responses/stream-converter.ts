import type { GatewayError } from '../../core/errors.js';
import type { TokenUsage } from '../../core/usage.js';
import { functionCallItem, messageItem, outputTextPart, reasoningItem, summaryTextPart } from './output-items.js';
import type { ResponseItem } from './request-schema.js';
import { type IdMaker, incompleteReason, type ResponseFrame, responseObject, type ResponseState } from './response-object.js';

interface ChunkToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null; reasoning_content?: string | null; refusal?: string | null; tool_calls?: ChunkToolCall[] | null }; finish_reason?: string | null }[];
}

interface OpenText {
  id: string;
  outputIndex: number;
  text: string;
}

interface OpenCall {
  id: string;
  outputIndex: number;
  callId: string;
  name: string;
  arguments: string;
}

/**
 * Chat completion chunks → the Responses API's typed events, as OpenAI sends them: `response.created` and
 * `response.in_progress`, then per output item its `added`, deltas, `done`s, and `response.completed` (or
 * `response.incomplete`) with the whole response and its usage. Every event carries the next `sequence_number`.
 *
 * Reasoning (`reasoning_content`) becomes a reasoning item with one summary part; text a message item with one
 * output_text part; each tool call (by its chunk index, so parallel calls interleave safely) a function_call item.
 * A text item closes when another item opens; function calls close at the end. The output depends only on the
 * chunks, never on how they were batched.
 */
export class ResponsesStreamConverter {
  private sequence = 0;
  private readonly output: ResponseItem[] = [];
  private reasoning: OpenText | undefined;
  private message: OpenText | undefined;
  private readonly calls = new Map<number, OpenCall>();
  private finishReason: string | null | undefined;
  private final: Record<string, unknown> | undefined;

  constructor(
    private readonly frame: ResponseFrame,
    private readonly newId: IdMaker,
  ) {}

  /** The finished response (after `finish`), to store. */
  get response(): Record<string, unknown> | undefined {
    return this.final;
  }

  /** The events that open the stream. */
  start(out: string[]): void {
    const response = responseObject(this.frame, { status: 'in_progress', output: [], usage: undefined });
    this.emit(out, 'response.created', { response });
    this.emit(out, 'response.in_progress', { response });
  }

  /** The events of one chat chunk (its JSON payload), added to `out`. */
  push(payload: string, out: string[]): void {
    const choice = (JSON.parse(payload) as ChatChunk).choices?.[0];
    if (!choice) return;
    const delta = choice.delta;
    if (delta) {
      if (delta.reasoning_content) this.reasoningDelta(delta.reasoning_content, out);
      const text = delta.content || delta.refusal;
      if (text) this.textDelta(text, out);
      for (const call of delta.tool_calls ?? []) this.toolCallDelta(call, out);
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  /** Closes what is open and completes the response with its usage. */
  finish(usage: TokenUsage | undefined, out: string[]): void {
    this.closeReasoning(out);
    this.closeMessage(out);
    for (const call of this.calls.values()) this.closeCall(call, out);
    this.calls.clear();
    const cut = incompleteReason(this.finishReason);
    const state: ResponseState = { status: cut === undefined ? 'completed' : 'incomplete', output: this.output, usage, incompleteReason: cut };
    this.final = responseObject(this.frame, state);
    this.emit(out, cut === undefined ? 'response.completed' : 'response.incomplete', { response: this.final });
  }

  /** The events that end a stream that broke off: `error`, then `response.failed`. */
  fail(error: GatewayError): string[] {
    const out: string[] = [];
    this.emit(out, 'error', { error: { type: error.type, code: error.code, message: error.message, param: error.param } });
    const response = responseObject(this.frame, { status: 'failed', output: this.output, usage: undefined, error: { code: error.code ?? error.type, message: error.message } });
    this.emit(out, 'response.failed', { response });
    return out;
  }

  /** `type` first, then the sequence number, as OpenAI writes them; the SSE framing reads the type from the front. */
  private emit(out: string[], type: string, fields: Record<string, unknown>): void {
    out.push(`{"type":"${type}","sequence_number":${this.sequence++},${JSON.stringify(fields).slice(1)}`);
  }

  private openItem(item: ResponseItem, out: string[]): number {
    const outputIndex = this.output.length;
    this.output.push(item);
    this.emit(out, 'response.output_item.added', { output_index: outputIndex, item });
    return outputIndex;
  }

  private reasoningDelta(delta: string, out: string[]): void {
    if (!this.reasoning) {
      this.closeMessage(out);
      const id = this.newId('rs');
      const outputIndex = this.openItem(reasoningItem(id, undefined), out);
      this.reasoning = { id, outputIndex, text: '' };
      this.emit(out, 'response.reasoning_summary_part.added', { item_id: id, output_index: outputIndex, summary_index: 0, part: summaryTextPart('') });
    }
    const open = this.reasoning;
    open.text += delta;
    this.emit(out, 'response.reasoning_summary_text.delta', { item_id: open.id, output_index: open.outputIndex, summary_index: 0, delta });
  }

  private closeReasoning(out: string[]): void {
    const open = this.reasoning;
    if (!open) return;
    this.reasoning = undefined;
    const common = { item_id: open.id, output_index: open.outputIndex, summary_index: 0 };
    this.emit(out, 'response.reasoning_summary_text.done', { ...common, text: open.text });
    this.emit(out, 'response.reasoning_summary_part.done', { ...common, part: summaryTextPart(open.text) });
    this.done(open.outputIndex, reasoningItem(open.id, open.text), out);
  }

  private textDelta(delta: string, out: string[]): void {
    if (!this.message) {
      this.closeReasoning(out);
      const id = this.newId('msg');
      const outputIndex = this.openItem(messageItem(id, 'in_progress', undefined), out);
      this.message = { id, outputIndex, text: '' };
      this.emit(out, 'response.content_part.added', { item_id: id, output_index: outputIndex, content_index: 0, part: outputTextPart('') });
    }
    const open = this.message;
    open.text += delta;
    this.emit(out, 'response.output_text.delta', { item_id: open.id, output_index: open.outputIndex, content_index: 0, delta, logprobs: [] });
  }

  private closeMessage(out: string[]): void {
    const open = this.message;
    if (!open) return;
    this.message = undefined;
    const common = { item_id: open.id, output_index: open.outputIndex, content_index: 0 };
    this.emit(out, 'response.output_text.done', { ...common, text: open.text, logprobs: [] });
    this.emit(out, 'response.content_part.done', { ...common, part: outputTextPart(open.text) });
    this.done(open.outputIndex, messageItem(open.id, this.finishReason === 'length' ? 'incomplete' : 'completed', open.text), out);
  }

  private toolCallDelta(delta: ChunkToolCall, out: string[]): void {
    const index = delta.index ?? 0;
    let call = this.calls.get(index);
    if (!call) {
      this.closeReasoning(out);
      this.closeMessage(out);
      const id = this.newId('fc');
      const opened = { callId: delta.id ?? this.newId('call'), name: delta.function?.name ?? '', arguments: '' };
      call = { id, outputIndex: this.openItem(functionCallItem(id, 'in_progress', opened), out), ...opened };
      this.calls.set(index, call);
    } else if (delta.function?.name) {
      call.name += delta.function.name;
    }
    const piece = delta.function?.arguments;
    if (piece) {
      call.arguments += piece;
      this.emit(out, 'response.function_call_arguments.delta', { item_id: call.id, output_index: call.outputIndex, delta: piece });
    }
  }

  private closeCall(call: OpenCall, out: string[]): void {
    this.emit(out, 'response.function_call_arguments.done', { item_id: call.id, output_index: call.outputIndex, name: call.name, arguments: call.arguments });
    this.done(call.outputIndex, functionCallItem(call.id, 'completed', call), out);
  }

  private done(outputIndex: number, item: ResponseItem, out: string[]): void {
    this.output[outputIndex] = item;
    this.emit(out, 'response.output_item.done', { output_index: outputIndex, item });
  }
}
