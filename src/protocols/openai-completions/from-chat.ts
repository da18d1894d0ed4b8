import { GatewayError } from '../../core/errors.js';

interface ChatChoice {
  index?: number;
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: string | null;
}

interface ChatShape {
  id?: string;
  created?: number;
  model?: string;
  choices?: ChatChoice[];
  usage?: unknown;
  system_fingerprint?: unknown;
}

const completionId = (id: string | undefined): string => (id ?? '').replace(/^chatcmpl-/, 'cmpl-');

function parse(payload: string): ChatShape {
  try {
    return JSON.parse(payload) as ChatShape;
  } catch {
    throw new GatewayError(502, 'The upstream sent an answer that is not JSON.');
  }
}

/** A chat completion as a `text_completion`: each choice's message content as its text. */
export function completionFromChatAnswer(body: string): string {
  const chat = parse(body);
  return JSON.stringify({
    id: completionId(chat.id),
    object: 'text_completion',
    created: chat.created,
    model: chat.model,
    choices: (chat.choices ?? []).map((choice, position) => ({
      text: typeof choice.message?.content === 'string' ? choice.message.content : '',
      index: choice.index ?? position,
      logprobs: null,
      finish_reason: choice.finish_reason ?? null,
    })),
    ...(chat.usage === undefined ? {} : { usage: chat.usage }),
  });
}

/**
 * A chat chunk as a `text_completion` chunk; undefined for a chunk that carries neither text, nor a finish reason,
 * nor usage (the role chunk, reasoning).
 */
export function completionChunkFromChatChunk(payload: string): string | undefined {
  const chat = parse(payload);
  const choices = [];
  for (const [position, choice] of (chat.choices ?? []).entries()) {
    const text = typeof choice.delta?.content === 'string' ? choice.delta.content : '';
    if (text === '' && !choice.finish_reason) continue;
    choices.push({ text, index: choice.index ?? position, logprobs: null, finish_reason: choice.finish_reason ?? null });
  }
  const usage = chat.usage ?? null;
  if (choices.length === 0 && usage === null) return undefined;
  return JSON.stringify({ id: completionId(chat.id), object: 'text_completion', created: chat.created, choices, model: chat.model, ...(usage === null ? {} : { usage }) });
}
