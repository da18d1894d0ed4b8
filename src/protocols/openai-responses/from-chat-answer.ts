import { GatewayError } from '../../core/errors.js';
import type { TokenUsage } from '../../core/usage.js';
import { functionCallItem, messageItem, reasoningItem } from './output-items.js';
import type { ResponseItem } from './request-schema.js';
import { type IdMaker, incompleteReason, type ResponseFrame, responseObject } from './response-object.js';

interface ChatAnswer {
  choices?: {
    message?: {
      content?: unknown;
      reasoning_content?: unknown;
      refusal?: unknown;
      tool_calls?: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }[] | null;
    };
    finish_reason?: string | null;
  }[];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * A chat completion as a Responses API response object: the reasoning, the message and each tool call as output
 * items in that order, the usage the provider read, and `incomplete` when the answer was cut short.
 */
export function responseFromChatAnswer(body: string, usage: TokenUsage | undefined, frame: ResponseFrame, newId: IdMaker): Record<string, unknown> {
  let answer: ChatAnswer;
  try {
    answer = JSON.parse(body) as ChatAnswer;
  } catch {
    throw new GatewayError(502, 'The upstream sent an answer that is not JSON.');
  }
  const choice = answer.choices?.[0];
  const message = choice?.message ?? {};
  const output: ResponseItem[] = [];
  const reasoning = text(message.reasoning_content);
  if (reasoning !== undefined) output.push(reasoningItem(newId('rs'), reasoning));
  const content = text(message.content) ?? text(message.refusal);
  const cut = incompleteReason(choice?.finish_reason);
  if (content !== undefined) output.push(messageItem(newId('msg'), cut === undefined ? 'completed' : 'incomplete', content));
  for (const call of message.tool_calls ?? []) {
    const callId = typeof call.id === 'string' ? call.id : newId('call');
    output.push(functionCallItem(newId('fc'), 'completed', { callId, name: String(call.function?.name ?? ''), arguments: String(call.function?.arguments ?? '') }));
  }
  return responseObject(frame, { status: cut === undefined ? 'completed' : 'incomplete', output, usage, incompleteReason: cut });
}
