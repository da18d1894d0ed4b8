import { UpstreamError } from '../../core/errors.js';
import type { ChatResult } from '../../providers/types.js';

/** A chunk (or answer) that carries something: text, reasoning, a refusal, a tool call, or a finish reason. */
const SUBSTANCE = /"finish_reason"\s*:\s*"|"tool_calls"\s*:\s*\[\s*\{|"(?:content|reasoning_content|reasoning|text|refusal)"\s*:\s*"(?!")/;
const FINISH_REASON_SET = /"finish_reason"\s*:\s*"/;

export function emptyAnswer(provider: string): UpstreamError {
  return new UpstreamError(provider, 'protocol', 502, `Upstream ${provider} answered with nothing: no content, no tool call and no finish reason.`, {
    code: 'upstream_empty_answer',
  });
}

const filled = (value: unknown): boolean => (typeof value === 'string' && value !== '') || (Array.isArray(value) && value.length > 0);

/** Whether a chat or text completion (JSON) has no choice with content, a tool call or a finish reason. */
export function isEmptyAnswer(body: string): boolean {
  if (FINISH_REASON_SET.test(body)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  const choices = (parsed as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return false;
  return !choices.some((choice: { text?: unknown; message?: Record<string, unknown> } | null) => {
    const message = choice?.message;
    return filled(choice?.text) || (message !== undefined && (filled(message.content) || filled(message.tool_calls) || filled(message.reasoning_content) || filled(message.refusal)));
  });
}

/**
 * Holds a stream's leading batches until one carries something, then sends them together: an answer that turns
 * out empty (a role chunk, then the end) fails before anything has reached the client, so it is retried. Keep-alives
 * are not held: a client waiting on a fake stream must hear them, and once one is out the call cannot be retried.
 * Once something has come, each read goes straight to the source: an iterator rather than a generator, which would
 * cost an await per batch to the end of the stream.
 */
class HeldUntilSubstance implements AsyncIterableIterator<string[]> {
  private substantial = false;
  private held: string[] = [];
  private readonly source: AsyncIterator<string[]>;

  constructor(
    private readonly provider: string,
    events: AsyncIterable<string[]>,
  ) {
    this.source = events[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<string[]>> {
    return this.substantial ? this.source.next() : this.firstWithSubstance();
  }

  return(value?: unknown): Promise<IteratorResult<string[]>> {
    return this.source.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
  }

  private async firstWithSubstance(): Promise<IteratorResult<string[]>> {
    for (;;) {
      const read = await this.source.next();
      if (read.done) throw emptyAnswer(this.provider);
      const batch = read.value;
      // An empty batch is a keep-alive (FAKE_STREAM_ENABLED, while a whole answer is awaited): it goes out at once.
      if (batch.length === 0) return read;
      for (const payload of batch) this.held.push(payload);
      if (batch.some((payload) => SUBSTANCE.test(payload))) {
        this.substantial = true;
        const held = this.held;
        this.held = [];
        return { done: false, value: held };
      }
    }
  }
}

/**
 * A provider's chat result, refused when it is empty: 200 with no content, no tool call and no finish reason, or
 * a stream that ends without one. The failure is the upstream's (a transient one), retried on another key.
 */
export function substantialResult(result: ChatResult, provider: string): ChatResult {
  if (result.kind === 'stream') return { ...result, events: new HeldUntilSubstance(provider, result.events) };
  if (isEmptyAnswer(result.body)) throw emptyAnswer(provider);
  return result;
}
