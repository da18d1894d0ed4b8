import { estimateTokens } from '../../core/token-estimate.js';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { type ChatCompletionRequest, chatCompletionRequestSchema, isPlainChatRequest } from '../../core/openai-schemas.js';
import { validateRequest } from '../../core/request-validation.js';
import type { ClientProtocol } from '../protocol.js';
import { type ChatOutcome, chatShapedPlan, chatShapedReply } from './chat-outcome.js';
import { openAIErrorReply, type ReceivedRequest, withCallModel } from './wire.js';

type ChatRequest = ReceivedRequest<ChatCompletionRequest>;

const promptTokens = (request: ChatCompletionRequest) => estimateTokens(JSON.stringify(request.messages ?? []));

/** The most completion tokens a request allows: `max_completion_tokens` (newer) or `max_tokens`, times `n` choices. */
function maxOutputTokens(request: ChatCompletionRequest): number | undefined {
  const limit = request.max_completion_tokens ?? request.max_tokens;
  return typeof limit === 'number' ? limit * (request.n ?? 1) : undefined;
}

/** The first choice's text of a chat answer, for estimates and excerpts; parsed only when one is needed. */
function answerText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { choices?: { message?: { content?: unknown; reasoning_content?: unknown } }[] };
    const message = parsed.choices?.[0]?.message;
    return [message?.reasoning_content, message?.content].filter((part) => typeof part === 'string').join('');
  } catch {
    return '';
  }
}

/** The text of the request's last message, shortened, for the request log (LOG_REQUEST_BODIES). */
export function lastMessageExcerpt(messages: readonly { content?: unknown }[] | undefined): string {
  const content = messages?.at(-1)?.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('')
        : '';
  return text.slice(0, EXCERPT_LENGTH);
}

/** OpenAI's Chat Completions API, which is also the gateway's internal shape: requests and chunks pass as they are. */
export const openAIChatProtocol: ClientProtocol<ChatRequest, ChatOutcome> = {
  endpoint: 'chat',

  parse(wire) {
    const request = isPlainChatRequest(wire.body) ? wire.body : validateRequest(chatCompletionRequestSchema, wire.body);
    return {
      model: request.model,
      stream: request.stream === true,
      request: { request, rawBody: wire.rawBody },
      excerpt: () => lastMessageExcerpt(request.messages),
      size: () => ({ prompt: promptTokens(request), maxOutput: maxOutputTokens(request) }),
    };
  },

  plan(parsed, call) {
    const { request, rawBody } = withCallModel(parsed, call.model);
    // The attempt's fields named rather than spread: copying an object's properties costs more on every call.
    return chatShapedPlan(call, (route, { upstreamModel, apiKey, cancellation, excerptChars }) =>
      route.target.provider.chatCompletions({ request, rawBody, upstreamModel, apiKey, cancellation, excerptChars }),
    );
  },

  reply: chatShapedReply(promptTokens, answerText),

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
};
