import { estimateTokens } from '../../core/token-estimate.js';
import type { TokenUsage } from '../../core/usage.js';
import type { StreamReport } from '../types.js';

/**
 * Generated text inside an OpenAI chunk payload, still JSON-escaped: content, reasoning and tool-call arguments, and
 * a legacy text completion's `text`.
 */
const GENERATED_TEXT = /"(?:content|reasoning_content|arguments|text)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

interface ChunkDelta {
  content?: unknown;
  reasoning_content?: unknown;
  tool_calls?: readonly { function?: { arguments?: unknown } }[];
}

/**
 * What one stream reported, filled in by the provider as it streams: the upstream's usage when it sent any, an
 * estimate of the generated tokens for when it did not, and the start of the text for the request log.
 */
export class StreamTally implements StreamReport {
  estimatedCompletionTokens = 0;
  excerpt = '';
  private reported: TokenUsage | undefined;
  private usageSource: (() => TokenUsage | undefined) | undefined;

  constructor(private readonly excerptChars = 0) {}

  get usage(): TokenUsage | undefined {
    return this.reported ?? this.usageSource?.();
  }

  /** The usage is kept elsewhere (a stream converter that accumulates it) and read from there. */
  readUsageFrom(source: () => TokenUsage | undefined): void {
    this.usageSource = source;
  }

  reportUsage(usage: TokenUsage | undefined): void {
    this.reported = usage;
  }

  /** Generated text, as the client reads it. */
  countText(text: string): void {
    if (text === '') return;
    this.estimatedCompletionTokens += estimateTokens(text);
    if (this.excerpt.length < this.excerptChars) this.excerpt = (this.excerpt + text).slice(0, this.excerptChars);
  }

  /** The text of a chunk's delta as a converter builds it. */
  countDelta(delta: ChunkDelta): void {
    if (typeof delta.reasoning_content === 'string') this.countText(delta.reasoning_content);
    if (typeof delta.content === 'string') this.countText(delta.content);
    for (const call of delta.tool_calls ?? []) if (typeof call.function?.arguments === 'string') this.countText(call.function.arguments);
  }

  /**
   * The text of a chunk payload that passes through as the upstream wrote it, found without parsing the chunk.
   * Once the upstream reported usage and the excerpt is full, there is nothing left to look for.
   */
  countPayload(payload: string): void {
    if (this.reported !== undefined && this.excerpt.length >= this.excerptChars) return;
    for (const match of payload.matchAll(GENERATED_TEXT)) {
      this.estimatedCompletionTokens += estimateTokens(match[1]!);
      if (this.excerpt.length < this.excerptChars) this.excerpt = (this.excerpt + unescapeJson(match[1]!)).slice(0, this.excerptChars);
    }
  }
}

function unescapeJson(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
