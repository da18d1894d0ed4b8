import type { GatewayError } from '../../core/errors.js';
import type { PrimedStream } from '../../core/primed-stream.js';
import type { AnswerUsage, ErrorReply, EventStreamReply } from '../protocol.js';

const MODEL_FIELD = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/;

/**
 * An OpenAI answer or chunk showing `model` as its model. The first `"model"` of an answer or chunk is its own
 * (it comes before the choices), so one replacement does it without parsing the JSON.
 */
export function withModel(json: string, model: string): string {
  return json.replace(MODEL_FIELD, () => `"model":${JSON.stringify(model)}`);
}

/** A stream's batches with `model` as every chunk's model. */
export async function* withStreamModel(events: AsyncIterable<string[]>, model: string): AsyncGenerator<string[]> {
  for await (const batch of events) yield batch.map((payload) => withModel(payload, model));
}

function frame(payloads: readonly string[]): string {
  let text = '';
  for (const payload of payloads) text += `data: ${payload}\n\n`;
  return text;
}

/** OpenAI's SSE: each payload as `data: …`, `data: [DONE]` after a complete stream, `data: {"error":…}` after a broken one. */
export function openAIEventStream(events: PrimedStream<string[]>, usage: () => AnswerUsage): EventStreamReply {
  return {
    kind: 'events',
    events,
    frame,
    end: 'data: [DONE]\n\n',
    errorEvent: (error) => `data: ${JSON.stringify(error.toBody())}\n\n`,
    usage,
  };
}

/** OpenAI's error shape `{"error":{"message","type","param","code"}}`. */
export function openAIErrorReply(error: GatewayError): ErrorReply {
  return { status: error.status, headers: error.headers, body: error.toBody() };
}
