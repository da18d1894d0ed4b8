import { invalidRequest } from '../../core/errors.js';
import type { ChatCompletionRequest, CompletionsRequest } from '../../core/openai-schemas.js';

const servedOnlyByOwnApi = (what: string, param: string) =>
  invalidRequest(
    `${what} is only served by upstreams with their own completions API (OpenAI, Azure, DeepSeek); this model's upstream is reached through chat completions.`,
    param,
    'unsupported_parameter',
  );

/** The one text prompt a chat upstream can answer: a string, or a list of exactly one. */
function singlePrompt(prompt: CompletionsRequest['prompt']): string {
  if (typeof prompt === 'string') return prompt;
  if (prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  if (prompt.every((entry) => typeof entry === 'string')) throw servedOnlyByOwnApi('More than one prompt in a call', 'prompt');
  throw servedOnlyByOwnApi('A prompt of token ids', 'prompt');
}

/**
 * A legacy completion request as the gateway's chat request: the prompt becomes one user message. What chat
 * cannot do is refused, not dropped: `echo`, `suffix` (fill-in-the-middle), `logprobs`, `best_of` above 1, several
 * prompts or token-id prompts.
 */
export function completionToChatRequest(request: CompletionsRequest, model: string): ChatCompletionRequest {
  if (request.echo === true) throw servedOnlyByOwnApi("'echo'", 'echo');
  if (request.suffix != null && request.suffix !== '') throw servedOnlyByOwnApi("'suffix' (fill-in-the-middle)", 'suffix');
  if (request.logprobs != null) throw servedOnlyByOwnApi("'logprobs'", 'logprobs');
  if (request.best_of != null && request.best_of > 1) throw servedOnlyByOwnApi("'best_of'", 'best_of');
  const chat: ChatCompletionRequest = { model, messages: [{ role: 'user', content: singlePrompt(request.prompt) }] };
  const copied = ['max_tokens', 'temperature', 'top_p', 'n', 'stop', 'presence_penalty', 'frequency_penalty', 'seed', 'logit_bias', 'user', 'stream', 'stream_options'] as const;
  for (const field of copied) if (request[field] != null) (chat as Record<string, unknown>)[field] = request[field];
  // A completion of 0 tokens asks for nothing a chat upstream will accept.
  if (chat.max_tokens === 0) delete chat.max_tokens;
  return chat;
}
