import { invalidResponse, parseJsonAnswer, streamTruncated } from '../shared/upstream-body.js';
import type { OllamaChatStreamConverter } from './stream.js';
import { NdjsonLineSplitter } from './ndjson.js';
import { ollamaErrorFromPayload } from './errors.js';
import { type OllamaChatResponse, ollamaChatResponseSchema } from './wire.js';

export interface StreamReadContext {
  provider: string;
  apiKey: string | undefined;
}

/** Parses one NDJSON line of a chat stream; an `{"error":…}` line or a line that is not a chat answer is thrown. */
export function parseChatStreamLine(line: string, context: StreamReadContext): OllamaChatResponse {
  const parsed = parseJsonAnswer(context.provider, line, 'sent a stream line that is not JSON');
  if (parsed !== null && typeof parsed === 'object' && 'error' in parsed) throw ollamaErrorFromPayload(context.provider, line, context.apiKey);
  const answer = ollamaChatResponseSchema.safeParse(parsed);
  if (!answer.success) {
    throw invalidResponse(context.provider, 'sent a stream line in an unexpected shape');
  }
  return answer.data;
}

/**
 * Reads an Ollama chat stream (NDJSON bytes, split however the network split them) and yields the converted
 * OpenAI chunk payloads, one batch per read. It returns as soon as the final line (`done: true`) is converted,
 * and throws an UpstreamError for an error line, a malformed line, or a stream that ends before the final line,
 * so a truncated answer never looks complete. Releasing the source is the caller's business.
 */
export async function* readOllamaChatStream(
  source: AsyncIterable<Uint8Array | string>,
  converter: OllamaChatStreamConverter,
  context: StreamReadContext,
): AsyncGenerator<string[]> {
  const splitter = new NdjsonLineSplitter();
  // Converts the lines of one read into one batch; what came before a failing line is still sent first.
  const batchOf = function* (lines: string[]): Generator<string[]> {
    const batch: string[] = [];
    try {
      for (const line of lines) {
        batch.push(...converter.accept(parseChatStreamLine(line, context)));
        if (converter.completed) break;
      }
    } catch (error) {
      if (batch.length > 0) yield batch;
      throw error;
    }
    if (batch.length > 0) yield batch;
  };

  for await (const chunk of source) {
    yield* batchOf(splitter.push(chunk));
    if (converter.completed) return;
  }
  const last = splitter.flush();
  if (last !== undefined) yield* batchOf([last]);
  if (!converter.completed) throw streamTruncated(context.provider);
}
