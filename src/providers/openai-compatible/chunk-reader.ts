import { lastObjectOfKey } from '../../core/json-text.js';
import { type SseEvent, SseParser } from '../../core/sse.js';
import { toTransportError } from '../../upstream/http-client.js';
import type { StreamedBody } from '../../upstream/streamed-body.js';
import type { StreamTally } from '../shared/stream-tally.js';
import { invalidResponse, streamTruncated } from '../shared/upstream-body.js';
import { type EmbeddedErrorRule, embeddedError, upstreamErrorFromStreamPayload } from './errors.js';
import type { UsageReader } from './usage.js';

const ERROR_PAYLOAD = /^\s*\{\s*"error"\s*:/;
const FINISH_REASON_SET = /"finish_reason"\s*:\s*"/;
const USAGE_OBJECT = /"usage"\s*:\s*\{/;
const NO_CHOICES = /"choices"\s*:\s*\[\s*\]/;

const DONE: IteratorResult<string[]> = { done: true, value: undefined };

/** Whether text starts with `{` and ends with `}` (whitespace aside): a cut-off or non-JSON answer does not. */
export function looksLikeJsonObject(text: string): boolean {
  let first = 0;
  while (first < text.length && text.charCodeAt(first) <= 0x20) first++;
  let last = text.length - 1;
  while (last > first && text.charCodeAt(last) <= 0x20) last--;
  return text.charCodeAt(first) === 0x7b && text.charCodeAt(last) === 0x7d;
}

/** How one upstream's stream is read: its deviations from OpenAI (see OpenAICompatibleOptions) and its usage. */
export interface ChunkRules {
  provider: string;
  apiKey: string | undefined;
  readUsage: UsageReader;
  embeddedError: EmbeddedErrorRule | undefined;
  skipStreamEvent: ((payload: string) => boolean) | undefined;
  repairStreamEvent: ((payload: string) => string) | undefined;
  /** The usage chunk (one without choices) is dropped: only the gateway asked for it. */
  hideUsage: boolean;
}

/**
 * An OpenAI-compatible upstream's chat (or text completion) stream, read as batches of `data:` payloads: all the
 * payloads that one read of the body completed. `[DONE]` ends the stream; an error payload, a broken connection or
 * an end without any finish_reason is thrown (after the payloads before it), so a truncated answer never looks
 * complete. The usage is read from the one chunk that carries it, the generated text is counted from the others.
 *
 * An iterator of its own rather than generators over the body, the SSE parser and the checks: each of those layers
 * costs an await per batch, and a whole answer often arrives in one read.
 */
export class OpenAIChunkReader implements AsyncIterableIterator<string[]> {
  private readonly parser = new SseParser();
  private sawDone = false;
  private sawFinishReason = false;
  private bodyEnded = false;
  /** A failure found after payloads that are passed on first: thrown at the next read. */
  private failure: Error | undefined;
  private released = false;

  constructor(
    private readonly body: StreamedBody,
    private readonly rules: ChunkRules,
    private readonly tally: StreamTally,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<string[]>> {
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        if (this.sawDone || this.bodyEnded) {
          if (!this.answerComplete) throw streamTruncated(this.rules.provider);
          this.release();
          return DONE;
        }
        const read = await this.body.next();
        if (read.done) this.bodyEnded = true;
        const events = read.done ? this.parser.end() : this.parser.push(read.value);
        if (events.length === 0) continue;
        const payloads = this.payloadsOf(events);
        if (payloads.length > 0) return { done: false, value: payloads };
      }
    } catch (error) {
      this.release();
      throw toTransportError(this.rules.provider, error);
    }
  }

  /** The reader stops early: the upstream call is torn down, unless the answer was already complete. */
  return(): Promise<IteratorResult<string[]>> {
    this.release();
    return Promise.resolve(DONE);
  }

  /** The payloads of a batch of events to pass on; a failure among them is kept for the next read. */
  private payloadsOf(events: readonly SseEvent[]): string[] {
    const { provider, apiKey, embeddedError: rule, skipStreamEvent, repairStreamEvent, hideUsage, readUsage } = this.rules;
    const payloads: string[] = [];
    for (const { data } of events) {
      if (data === '[DONE]') {
        this.sawDone = true;
        break;
      }
      const error = ERROR_PAYLOAD.test(data)
        ? upstreamErrorFromStreamPayload(provider, data, apiKey)
        : rule && rule.marker.test(data)
          ? embeddedError(provider, rule, data, apiKey)
          : undefined;
      if (error) {
        this.failure = error;
        break;
      }
      // A cut-off or garbled event is never passed on to a client that parses every chunk.
      if (data.trim() === '') continue;
      if (!looksLikeJsonObject(data)) {
        this.failure = invalidResponse(provider, 'sent a stream event that is not a JSON object');
        break;
      }
      if (skipStreamEvent?.(data)) continue;
      if (!this.sawFinishReason && FINISH_REASON_SET.test(data)) this.sawFinishReason = true;
      this.tally.countPayload(data);
      if (USAGE_OBJECT.test(data)) {
        const usage = lastObjectOfKey(data, 'usage');
        if (usage !== undefined) this.tally.reportUsage(readUsage(usage));
        if (hideUsage && NO_CHOICES.test(data)) continue;
      }
      payloads.push(repairStreamEvent ? repairStreamEvent(data) : data);
    }
    return payloads;
  }

  /** Lets go of the body once (see StreamedBody.release). */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.body.release(this.answerComplete);
  }

  /** [DONE] ends the answer; without it, a body that ended after a finish_reason is taken as complete. */
  private get answerComplete(): boolean {
    return this.sawDone || (this.bodyEnded && this.sawFinishReason);
  }
}
