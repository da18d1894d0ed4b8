import type { StreamTally } from '../shared/stream-tally.js';
import { mapGeminiFinishReason } from './finish-reason.js';
import { blockedPromptMessage, type ResponseContext } from './response.js';
import { FunctionCallAssembler } from './function-call-assembler.js';
import { renderGroundingSources } from './grounding.js';
import { convertResponsePart, toOpenAILogprobs, toOpenAIToolCall } from './response-parts.js';
import type { GeminiGenerateContentResponse, GeminiGroundingMetadata } from './wire.js';
import type { TokenUsage } from '../../core/usage.js';
import { geminiTokenUsage, groundedSearches, toOpenAIUsage } from './usage.js';

export interface StreamContext extends ResponseContext {
  /** The client asked for `stream_options.include_usage`: a final `choices: []` chunk with usage. */
  includeUsage: boolean;
  /** Counts the generated text for the stream's report. */
  tally?: StreamTally;
}

interface ChoiceState {
  index: number;
  /** Running count of tool calls sent for this choice: the `index` OpenAI clients accumulate calls by. */
  toolCalls: number;
  /** Length of the content sent so far, for annotation offsets. */
  contentLength: number;
  finishReason: string | undefined;
  /** Ended by a blocked prompt rather than a candidate. */
  blocked: boolean;
  grounding: GeminiGroundingMetadata | undefined;
  assembler: FunctionCallAssembler;
}

/**
 * Gemini `streamGenerateContent` chunks → OpenAI `chat.completion.chunk` payloads, one call of `push` per upstream
 * chunk and `finish` when the upstream body ends. Each choice starts with a role chunk; every part is converted in
 * order (text → content, thoughts → reasoning_content when shown, each function call whole, with its running
 * `index`); the finish chunk of each choice is held until the end, so grounding sources that Gemini sends with or
 * after its last chunk can still be appended; the usage chunk follows when the client asked for it. The final
 * usage stays readable on `usage` either way.
 */
export class GeminiStreamConverter {
  private readonly choices = new Map<number, ChoiceState>();
  private usageMetadata: GeminiGenerateContentResponse['usageMetadata'];
  private modelVersion: string | undefined;
  private readonly base: string;

  constructor(private readonly context: StreamContext) {
    // Every chunk shares this prefix; built once instead of re-serialising the same fields per chunk.
    this.base = `{"id":${JSON.stringify(context.id)},"object":"chat.completion.chunk","created":${context.created},"model":${JSON.stringify(context.model)},"choices":`;
  }

  /** The usage of the whole response so far (Gemini repeats cumulative totals); final once the stream ended. */
  get usage(): TokenUsage | undefined {
    if (!this.usageMetadata) return undefined;
    const groundings = [...this.choices.values()].map((state) => state.grounding);
    return geminiTokenUsage(this.usageMetadata, groundedSearches(groundings, this.modelVersion ?? this.context.model));
  }

  /** True once every choice that appeared has finished (or the prompt was blocked): the response is complete. */
  get completed(): boolean {
    if (this.choices.size === 0) return false;
    for (const state of this.choices.values()) if (state.finishReason === undefined) return false;
    return true;
  }

  private chunk(index: number, delta: Record<string, unknown>, finishReason: string | null = null, logprobs: unknown = null): string {
    this.context.tally?.countDelta(delta);
    const choice = JSON.stringify([{ index, delta, logprobs, finish_reason: finishReason }]);
    return `${this.base}${choice}${this.context.includeUsage ? ',"usage":null}' : '}'}`;
  }

  private state(index: number, out: string[]): ChoiceState {
    let state = this.choices.get(index);
    if (!state) {
      state = { index, toolCalls: 0, contentLength: 0, finishReason: undefined, blocked: false, grounding: undefined, assembler: new FunctionCallAssembler() };
      this.choices.set(index, state);
      out.push(this.chunk(index, { role: 'assistant', content: '' }));
    }
    return state;
  }

  push(response: GeminiGenerateContentResponse): string[] {
    const out: string[] = [];
    if (response.usageMetadata) this.usageMetadata = response.usageMetadata;
    if (response.modelVersion) this.modelVersion = response.modelVersion;
    const candidates = response.candidates ?? [];
    const blockReason = response.promptFeedback?.blockReason;
    if (candidates.length === 0 && blockReason) {
      const state = this.state(0, out);
      state.blocked = true;
      state.finishReason = blockReason;
      out.push(this.chunk(0, { refusal: blockedPromptMessage(blockReason, response.promptFeedback?.blockReasonMessage) }));
      return out;
    }
    candidates.forEach((candidate, position) => {
      const state = this.state(candidate.index ?? position, out);
      let logprobs = toOpenAILogprobs(candidate.logprobsResult);
      for (const part of candidate.content?.parts ?? []) {
        if (part.functionCall) {
          for (const call of state.assembler.accept(part)) out.push(this.toolCallChunk(state, call));
          continue;
        }
        const output = convertResponsePart(part, this.context.showThinking, this.context.imageLink);
        if (!output) continue;
        if (output.kind === 'content') {
          state.contentLength += output.text.length;
          out.push(this.chunk(state.index, { content: output.text }, null, logprobs));
          logprobs = null;
        } else {
          out.push(this.chunk(state.index, { reasoning_content: output.text }));
        }
      }
      if (candidate.groundingMetadata) state.grounding = candidate.groundingMetadata;
      if (candidate.finishReason) {
        state.finishReason = candidate.finishReason;
        for (const call of state.assembler.flush()) out.push(this.toolCallChunk(state, call));
      }
    });
    return out;
  }

  private toolCallChunk(state: ChoiceState, call: Parameters<typeof toOpenAIToolCall>[0]): string {
    const toolCall = toOpenAIToolCall(call);
    return this.chunk(state.index, { tool_calls: [{ index: state.toolCalls++, ...toolCall }] });
  }

  /**
   * The end of the stream: grounding sources, one finish chunk per finished choice, then the usage chunk when
   * asked. Check `completed` before sending these: an upstream that stopped early must not look finished.
   */
  finish(): string[] {
    const out: string[] = [];
    const states = [...this.choices.values()].sort((a, b) => a.index - b.index);
    for (const state of states) {
      if (state.finishReason === undefined) continue;
      if (this.context.showSearchLink) {
        const sources = renderGroundingSources(state.grounding, state.contentLength);
        if (sources) {
          state.contentLength += sources.text.length;
          out.push(this.chunk(state.index, { content: sources.text, annotations: sources.annotations }));
        }
      }
      const reason = state.blocked ? 'content_filter' : mapGeminiFinishReason(state.finishReason, state.toolCalls > 0);
      out.push(this.chunk(state.index, {}, reason));
    }
    if (this.context.includeUsage && this.usageMetadata) out.push(`${this.base}[],"usage":${JSON.stringify(toOpenAIUsage(this.usageMetadata))}}`);
    return out;
  }
}
