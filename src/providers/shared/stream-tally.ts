import { estimateTokens } from '../../core/token-estimate.js';
import type { TokenUsage } from '../../core/usage.js';
import type { StreamReport } from '../types.js';

/**
 * Generated text inside an OpenAI chunk payload, still JSON-escaped: content, reasoning and tool-call arguments, and
 * a legacy text completion's `text`.
 */
const GENERATED_TEXT = /"(?:content|reasoning_content|arguments|text)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/**
 * Payload text kept unread, at most: streams that report their usage at the end (nearly all) never need their
 * text counted, so chunks are only kept until then, and read at once past this much.
 */
const DEFERRED_PAYLOAD_CHARS = 256 * 1024;

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
  private estimated = 0;
  private excerptSoFar = '';
  private reported: TokenUsage | undefined;
  private usageSource: (() => TokenUsage | undefined) | undefined;
  /** Chunk payloads passed through and not yet read for their text (see countPayload). */
  private deferred: string[] = [];
  private deferredChars = 0;

  constructor(private readonly excerptChars = 0) {}

  /** An estimate of the generated tokens, for when the upstream reported no usage. */
  get estimatedCompletionTokens(): number {
    this.readDeferred();
    return this.estimated;
  }

  /** The start of the generated text, for the request log. */
  get excerpt(): string {
    this.readDeferred();
    return this.excerptSoFar;
  }

  get usage(): TokenUsage | undefined {
    return this.reported ?? this.usageSource?.();
  }

  /** The usage is kept elsewhere (a stream converter that accumulates it) and read from there. */
  readUsageFrom(source: () => TokenUsage | undefined): void {
    this.usageSource = source;
  }

  reportUsage(usage: TokenUsage | undefined): void {
    this.reported = usage;
    if (usage !== undefined && this.excerptChars === 0) this.dropDeferred();
  }

  /** Generated text, as the client reads it. */
  countText(text: string): void {
    if (text === '') return;
    if (this.deferred.length > 0) this.readDeferred();
    this.estimated += estimateTokens(text);
    if (this.excerptSoFar.length < this.excerptChars) this.excerptSoFar = (this.excerptSoFar + text).slice(0, this.excerptChars);
  }

  /** The text of a chunk's delta as a converter builds it. */
  countDelta(delta: ChunkDelta): void {
    if (typeof delta.reasoning_content === 'string') this.countText(delta.reasoning_content);
    if (typeof delta.content === 'string') this.countText(delta.content);
    for (const call of delta.tool_calls ?? []) if (typeof call.function?.arguments === 'string') this.countText(call.function.arguments);
  }

  /**
   * The text of a chunk payload that passes through as the upstream wrote it, found without parsing the chunk
   * when it is needed: the payload is kept (up to DEFERRED_PAYLOAD_CHARS) until the stream reports its usage, which
   * makes the estimate moot, or until the estimate or the excerpt is asked for. Once the upstream reported usage
   * and the excerpt is full, there is nothing left to look for.
   */
  countPayload(payload: string): void {
    if (this.reported !== undefined && this.excerptSoFar.length >= this.excerptChars) return;
    this.deferred.push(payload);
    this.deferredChars += payload.length;
    if (this.deferredChars > DEFERRED_PAYLOAD_CHARS) this.readDeferred();
  }

  private readDeferred(): void {
    if (this.deferred.length === 0) return;
    const payloads = this.deferred;
    this.dropDeferred();
    for (const payload of payloads) {
      for (const match of payload.matchAll(GENERATED_TEXT)) {
        this.estimated += estimateTokens(match[1]!);
        if (this.excerptSoFar.length < this.excerptChars) this.excerptSoFar = (this.excerptSoFar + unescapeJson(match[1]!)).slice(0, this.excerptChars);
      }
    }
  }

  private dropDeferred(): void {
    this.deferred = [];
    this.deferredChars = 0;
  }
}

function unescapeJson(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}
