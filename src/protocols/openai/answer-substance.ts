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
 */
async function* heldUntilSubstance(provider: string, events: AsyncIterable<string[]>): AsyncGenerator<string[]> {
  let substantial = false;
  const held: string[] = [];
  for await (const batch of events) {
    // An empty batch is a keep-alive (FAKE_STREAM_ENABLED, while a whole answer is awaited): it goes out at once.
    if (substantial || batch.length === 0) {
      yield batch;
      continue;
    }
    held.push(...batch);
    if (batch.some((payload) => SUBSTANCE.test(payload))) {
      substantial = true;
      yield held.splice(0);
    }
  }
  if (!substantial) throw emptyAnswer(provider);
}

/**
 * A provider's chat result, refused when it is empty: 200 with no content, no tool call and no finish reason, or
 * a stream that ends without one. The failure is the upstream's (a transient one), retried on another key.
 */
export function substantialResult(result: ChatResult, provider: string): ChatResult {
  if (result.kind === 'stream') return { ...result, events: heldUntilSubstance(provider, result.events) };
  if (isEmptyAnswer(result.body)) throw emptyAnswer(provider);
  return result;
}
