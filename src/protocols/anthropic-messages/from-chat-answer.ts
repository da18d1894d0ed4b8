import { randomBytes } from 'node:crypto';
import { toStopReason } from './message-usage.js';

interface ChatToolCall {
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface ChatAnswer {
  choices?: { message?: { content?: string | null; reasoning_content?: string | null; tool_calls?: ChatToolCall[] | null }; finish_reason?: string | null }[];
}

export const newMessageId = () => `msg_${randomBytes(12).toString('hex')}`;

/** A tool call's arguments as the object Anthropic's `input` is; arguments that are not a JSON object are kept under `arguments`. */
export function toolInput(argumentsText: string): Record<string, unknown> {
  if (argumentsText.trim() === '') return {};
  try {
    const input = JSON.parse(argumentsText) as unknown;
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  } catch {
    // Not JSON: the model's text is kept for the client to see.
  }
  return { arguments: argumentsText };
}

/**
 * An OpenAI chat answer as an Anthropic message: reasoning as a thinking block, then the text, then the tool calls.
 * Its `usage` is the caller's to fill in (from the usage the provider read, or an estimate of this content).
 */
export function toMessage(body: string, model: string): Record<string, unknown> {
  const answer = JSON.parse(body) as ChatAnswer;
  const choice = answer.choices?.[0];
  const message = choice?.message;
  const content: Record<string, unknown>[] = [];
  if (message?.reasoning_content) content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  if (message?.content) content.push({ type: 'text', text: message.content });
  for (const call of message?.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id ?? `toolu_${randomBytes(12).toString('hex')}`, name: call.function?.name ?? '', input: toolInput(call.function?.arguments ?? '') });
  }
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: toStopReason(choice?.finish_reason),
    stop_sequence: null,
  };
}
