import { estimateTokens } from '../../core/token-estimate.js';
import { type TokenUsage, usageFromObject } from './token-usage.js';

const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const GENERATED_TEXT = /"(?:content|reasoning_content|arguments)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/**
 * Watches a chat stream's chunks for the usage the upstream reports (OpenAI's final `"choices": []` chunk, or usage
 * on the last choice chunk), and counts the generated text on the way for an estimate when none comes. When the
 * gateway asked for usage the client did not (`stream_options.include_usage`), the extra chunk is removed. The
 * `"usage": null` that then comes on the other chunks stays: several upstreams send it unasked anyway, and
 * clients read it as no usage.
 */
export class StreamUsageTap {
  private reported: TokenUsage | undefined;
  private generatedTokens = 0;
  private collected = '';

  /**
   * @param hideUsage the gateway asked for usage the client did not: keep it from the client
   * @param textLimit characters of the generated text to keep for the request log (0: none)
   */
  constructor(
    private readonly hideUsage: boolean,
    private readonly textLimit = 0,
  ) {}

  /** The start of the generated text, when `textLimit` asked for it. */
  get text(): string {
    return this.collected;
  }

  /** The usage the upstream reported, if it did. */
  get usage(): TokenUsage | undefined {
    return this.reported;
  }

  /** Tokens of the text streamed so far, estimated. */
  get estimatedCompletionTokens(): number {
    return this.generatedTokens;
  }

  /** The batch to forward to the client. */
  observe(batch: string[]): string[] {
    let forwarded: string[] | undefined;
    for (let index = 0; index < batch.length; index++) {
      const payload = batch[index]!;
      const kept = this.observePayload(payload);
      if (kept !== payload && forwarded === undefined) forwarded = batch.slice(0, index);
      if (forwarded !== undefined && kept !== undefined) forwarded.push(kept);
    }
    return forwarded ?? batch;
  }

  /** The payload as the client should see it, or undefined to drop it. */
  private observePayload(payload: string): string | undefined {
    if (this.reported === undefined || this.collected.length < this.textLimit) {
      for (const match of payload.matchAll(GENERATED_TEXT)) {
        this.generatedTokens += estimateTokens(match[1]!);
        if (this.collected.length < this.textLimit) this.collected = (this.collected + unescapeJson(match[1]!)).slice(0, this.textLimit);
      }
    }
    if (USAGE_OBJECT.test(payload)) {
      let chunk: { usage?: unknown; choices?: unknown };
      try {
        chunk = JSON.parse(payload) as { usage?: unknown; choices?: unknown };
      } catch {
        return payload;
      }
      const usage = usageFromObject(chunk.usage);
      if (usage) this.reported = usage;
      if (this.hideUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) return undefined;
      return payload;
    }
    return payload;
  }
}

function unescapeJson(text: string): string {
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}

/** The stream's batches through `tap`, empty batches left out. */
export async function* tappedEvents(events: AsyncIterable<string[]>, tap: StreamUsageTap): AsyncGenerator<string[]> {
  for await (const batch of events) {
    const forwarded = tap.observe(batch);
    if (forwarded.length > 0) yield forwarded;
  }
}
