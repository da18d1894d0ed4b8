import { EXCERPT_LENGTH } from '../../calls/call.js';
import { type CompletionsRequest, completionsRequestSchema } from '../../core/openai-schemas.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { ChatResult } from '../../providers/types.js';
import { type ChatOutcome, chatShapedPlan, chatShapedReply } from '../openai/chat-outcome.js';
import { openAIErrorReply, type ReceivedRequest, withCallModel } from '../openai/wire.js';
import type { ClientProtocol } from '../protocol.js';
import { completionChunkFromChatChunk, completionFromChatAnswer } from './from-chat.js';
import { completionToChatRequest } from './to-chat-request.js';

type CompletionsCallRequest = ReceivedRequest<CompletionsRequest>;

/** OpenAI's default `max_tokens` for a legacy completion. */
const DEFAULT_MAX_TOKENS = 16;

const promptTokens = (request: CompletionsRequest) => estimateTokens(typeof request.prompt === 'string' ? request.prompt : JSON.stringify(request.prompt));

/** The first choice's text of a completion, for estimates and excerpts. */
function answerText(body: string): string {
  try {
    const text = (JSON.parse(body) as { choices?: { text?: unknown }[] }).choices?.[0]?.text;
    return typeof text === 'string' ? text : '';
  } catch {
    return '';
  }
}

/** A chat result as legacy completions: the answer converted, or each chunk converted (those with nothing to say left out). */
function asCompletion(result: ChatResult): ChatResult {
  if (result.kind === 'json') return { ...result, body: completionFromChatAnswer(result.body) };
  return { ...result, events: completionChunks(result.events) };
}

async function* completionChunks(events: AsyncIterable<string[]>): AsyncGenerator<string[]> {
  for await (const batch of events) {
    const converted: string[] = [];
    for (const payload of batch) {
      const chunk = completionChunkFromChatChunk(payload);
      if (chunk !== undefined) converted.push(chunk);
    }
    if (converted.length > 0) yield converted;
  }
}

/**
 * OpenAI's legacy Completions API (`POST /v1/completions`). An upstream that serves it (OpenAI, Azure, DeepSeek's
 * beta fill-in-the-middle, a compatible upstream configured with `passthrough: [completions]`) gets the request as
 * it came and its chunks pass through as chat's do; every other one gets the prompt as one user message of a chat
 * request, and its answer or chunks come back as `text_completion` objects.
 */
export const openAICompletionsProtocol: ClientProtocol<CompletionsCallRequest, ChatOutcome> = {
  endpoint: 'completions',

  parse(wire) {
    const request = validateRequest(completionsRequestSchema, wire.body);
    return {
      model: request.model,
      stream: request.stream === true,
      request: { request, rawBody: wire.rawBody },
      excerpt: () => (typeof request.prompt === 'string' ? request.prompt : JSON.stringify(request.prompt)).slice(0, EXCERPT_LENGTH),
      size: () => ({ prompt: promptTokens(request), maxOutput: (request.max_tokens ?? DEFAULT_MAX_TOKENS) * (request.n ?? 1) }),
    };
  },

  plan(parsed, call) {
    const { request, rawBody } = withCallModel(parsed, call.model);
    return chatShapedPlan(call, async (route, attempt) => {
      const provider = route.target.provider;
      if (provider.ownApis?.has('completions') && provider.textCompletions) return provider.textCompletions({ request, rawBody, ...attempt });
      return asCompletion(await provider.chatCompletions({ request: completionToChatRequest(request, call.model), rawBody: undefined, ...attempt }));
    });
  },

  reply: chatShapedReply(promptTokens, answerText),

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
};
