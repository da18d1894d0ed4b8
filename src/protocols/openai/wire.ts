import type { GatewayError } from '../../core/errors.js';
import { nanoToUsd } from '../../core/money.js';
import type { PrimedStream } from '../../core/primed-stream.js';
import type { AnswerUsage, ErrorReply, EventStreamReply } from '../protocol.js';

const MODEL_FIELD = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/;

/**
 * An OpenAI answer or chunk showing `model` as its model. The first `"model"` key of one is its own top-level key
 * (choices and embedding items carry none, and text inside strings has its quotes escaped), so one replacement does
 * it without parsing the JSON.
 */
export function withModel(json: string, model: string): string {
  return json.replace(MODEL_FIELD, () => `"model":${JSON.stringify(model)}`);
}

/** A stream's batches with `model` as every chunk's model. */
export async function* withStreamModel(events: AsyncIterable<string[]>, model: string): AsyncGenerator<string[]> {
  for await (const batch of events) yield batch.map((payload) => withModel(payload, model));
}

/** A parsed OpenAI request with the body exactly as the client sent it. */
export interface ReceivedRequest<Request extends { model?: string | undefined }> {
  request: Request;
  rawBody: string | undefined;
}

/**
 * The request as the call will send it: a key's default model fills in one that names none, and the body then no
 * longer goes up as it came.
 */
export function withCallModel<Request extends { model?: string | undefined }>(received: ReceivedRequest<Request>, model: string): ReceivedRequest<Request> {
  return received.request.model === model ? received : { request: { ...received.request, model }, rawBody: undefined };
}

const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/**
 * A chunk with the call's cost added to its `usage` as `cost` (USD, as OpenRouter reports it), when it carries a
 * usage object and the call could be priced. Only the usage chunk is parsed; every other chunk passes untouched.
 */
export function withUsageCost(payload: string, cost: () => number | null): string {
  if (!USAGE_OBJECT.test(payload)) return payload;
  let chunk: { usage?: unknown };
  try {
    chunk = JSON.parse(payload) as { usage?: unknown };
  } catch {
    return payload;
  }
  if (chunk.usage === null || typeof chunk.usage !== 'object') return payload;
  const nano = cost();
  if (nano === null) return payload;
  (chunk.usage as Record<string, unknown>).cost = nanoToUsd(nano);
  return JSON.stringify(chunk);
}

/** What an empty batch (a provider's keep-alive while the answer is awaited) is written as: a comment clients skip. */
const KEEP_ALIVE = ': keep-alive\n\n';

function frame(payloads: readonly string[]): string {
  if (payloads.length === 0) return KEEP_ALIVE;
  let text = '';
  for (const payload of payloads) text += `data: ${payload}\n\n`;
  return text;
}

/**
 * OpenAI's SSE: each payload as `data: …`, `data: [DONE]` after a complete stream, `data: {"error":…}` after a broken
 * one. With `cost`, the usage chunk (sent only to a client that asked for usage) carries the call's cost.
 */
export function openAIEventStream(events: PrimedStream<string[]>, usage: () => AnswerUsage, cost?: () => number | null): EventStreamReply {
  return {
    kind: 'events',
    events,
    frame: cost === undefined ? frame : (payloads) => frame(payloads.map((payload) => withUsageCost(payload, cost))),
    end: 'data: [DONE]\n\n',
    errorEvent: (error) => `data: ${JSON.stringify(error.toBody())}\n\n`,
    usage,
  };
}

/** OpenAI's error shape `{"error":{"message","type","param","code"}}`. */
export function openAIErrorReply(error: GatewayError): ErrorReply {
  return { status: error.status, headers: error.headers, body: error.toBody() };
}
