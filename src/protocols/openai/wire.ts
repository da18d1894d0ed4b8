import type { GatewayError } from '../../core/errors.js';
import type { PrimedStream } from '../../core/primed-stream.js';
import type { AnswerUsage, ErrorReply, EventStreamReply } from '../protocol.js';

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
