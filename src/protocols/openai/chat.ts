import { estimatedUsage, usageFromObject } from '../../access/metering/token-usage.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { GatewayError } from '../../core/errors.js';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from '../../core/openai-schemas.js';
import { primeStream, type PrimedStream } from '../../core/primed-stream.js';
import { validateRequest } from '../../core/request-validation.js';
import type { ChatResult, StreamReport } from '../../providers/types.js';
import type { ClientProtocol } from '../protocol.js';
import { openAIErrorReply, openAIEventStream, type ReceivedRequest, withCallModel, withModel, withStreamModel } from './wire.js';

type ChatRequest = ReceivedRequest<ChatCompletionRequest>;

type ChatOutcome = { kind: 'json'; body: string; usage: unknown } | { kind: 'stream'; events: PrimedStream<string[]>; report: StreamReport };

const promptTokens = (request: ChatCompletionRequest) => estimateTokens(JSON.stringify(request.messages ?? []));

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
    const request = validateRequest(chatCompletionRequestSchema, wire.body);
    return { model: request.model, stream: request.stream === true, request: { request, rawBody: wire.rawBody }, excerpt: () => lastMessageExcerpt(request.messages) };
  },

  plan(parsed, call) {
    const { request, rawBody } = withCallModel(parsed, call.model);
    const excerptChars = call.logBodies ? EXCERPT_LENGTH : 0;
    return {
      operation: async (route, apiKey, cancellation = call.cancellation) => {
        const result: ChatResult = await route.target.provider.chatCompletions({ request, rawBody, upstreamModel: route.upstreamModel, apiKey, cancellation, excerptChars });
        const shown = route.answerModel;
        if (call.stream) {
          if (result.kind !== 'stream') throw new GatewayError(502, `Upstream ${route.target.settings.id} did not stream.`);
          const events = shown === undefined ? result.events : withStreamModel(result.events, shown);
          return { kind: 'stream', events: await primeStream(events), report: result.report };
        }
        if (result.kind !== 'json') throw new GatewayError(502, `Upstream ${route.target.settings.id} answered with a stream.`);
        return shown === undefined ? result : { ...result, body: withModel(result.body, shown) };
      },
      holdKeyUntil: call.stream ? (outcome) => (outcome.kind === 'stream' ? outcome.events.finished : Promise.resolve()) : undefined,
      discard: (outcome) => {
        if (outcome.kind === 'stream') void outcome.events.rest.return?.();
      },
    };
  },

  reply(outcome, parsed, call) {
    const { request } = parsed;
    if (outcome.kind === 'stream') {
      const { report } = outcome;
      return openAIEventStream(outcome.events, () => ({
        usage: usageFromObject(report.usage),
        estimate: () => estimatedUsage(promptTokens(request), report.estimatedCompletionTokens),
        responseExcerpt: call.logBodies ? report.excerpt : undefined,
      }));
    }
    return {
      kind: 'json',
      body: outcome.body,
      usage: () => ({
        usage: usageFromObject(outcome.usage),
        estimate: () => estimatedUsage(promptTokens(request), estimateTokens(answerText(outcome.body))),
        responseExcerpt: call.logBodies ? answerText(outcome.body).slice(0, EXCERPT_LENGTH) : undefined,
      }),
    };
  },

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
};
