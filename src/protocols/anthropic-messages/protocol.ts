import { estimatedUsage, NO_USAGE } from '../../access/metering/token-usage.js';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { GatewayError } from '../../core/errors.js';
import { primeStream, type PrimedStream } from '../../core/primed-stream.js';
import { substantialResult } from '../openai/answer-substance.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { TokenUsage } from '../../core/usage.js';
import type { JsonResult, PassthroughResult, StreamReport } from '../../providers/types.js';
import type { ModelRoute } from '../../routing/model-resolver.js';
import type { ClientProtocol } from '../protocol.js';
import { anthropicErrorBody, anthropicErrorReply } from './errors.js';
import { newMessageId, toMessage } from './from-chat-answer.js';
import { MessageEventWriter, messageEvent } from './message-events.js';
import { toMessageUsage } from './message-usage.js';
import { type MessagesRequest, messagesRequestSchema } from './request-schema.js';
import { toChatMessages, toChatRequest } from './to-chat-request.js';

/** The client's headers an Anthropic upstream gets. */
const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

export interface ReceivedMessagesRequest<Body> {
  body: Body;
  rawBody: string | undefined;
  headers: Readonly<Record<string, string>>;
}

type MessagesResult =
  | { kind: 'bytes'; answer: PassthroughResult }
  | JsonResult
  | { kind: 'stream'; events: PrimedStream<string[]>; report: StreamReport };

/** Whether a route's upstream speaks Anthropic's protocol itself: the request then goes up as the client sent it. */
export const speaksMessages = (route: ModelRoute): boolean => route.target.settings.kind === 'anthropic' && route.target.provider.passthrough !== undefined;

/**
 * The client's body for an Anthropic upstream: its own bytes when they already name the upstream's model; otherwise
 * (a group's deployment, a key's alias or default model) the body with that model.
 */
export function bodyFor<Body extends { model?: string | undefined }>(request: ReceivedMessagesRequest<Body>, upstreamModel: string): string {
  return request.body.model === upstreamModel && request.rawBody !== undefined ? request.rawBody : JSON.stringify({ ...request.body, model: upstreamModel });
}

export function readHeaders(header: (name: string) => string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = header(name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

const promptTokens = (request: MessagesRequest) => estimateTokens(JSON.stringify(toChatMessages(request)));

/** The text of the last user turn, for the request log (LOG_REQUEST_BODIES). */
function lastUserExcerpt(request: MessagesRequest): string {
  const last = request.messages.findLast((message) => message.role === 'user');
  if (!last) return '';
  const text = typeof last.content === 'string' ? last.content : last.content.map((block) => ((block as { type: string }).type === 'text' ? (block as { text: string }).text : '')).join('');
  return text.slice(0, EXCERPT_LENGTH);
}

/** The converted stream: the chat chunks as Anthropic events, closed with the usage once the upstream has ended. */
async function* messageEvents(chunks: AsyncIterable<string[]>, writer: MessageEventWriter, usage: () => TokenUsage): AsyncGenerator<string[]> {
  for await (const batch of chunks) {
    const events = writer.write(batch);
    if (events.length > 0) yield events;
  }
  yield writer.end(usage());
}

/**
 * Anthropic's Messages API (`POST /v1/messages`) for clients that speak it (Claude Code, `@anthropic-ai/sdk`). On an
 * Anthropic upstream the request and the answer pass through as they are; on any other it is converted to the
 * gateway's chat request and the chat answer back to a message or Anthropic's named events.
 */
export const anthropicMessagesProtocol: ClientProtocol<ReceivedMessagesRequest<MessagesRequest>, MessagesResult> = {
  endpoint: 'messages',

  parse(wire) {
    const body = validateRequest(messagesRequestSchema, wire.body);
    return {
      model: body.model,
      stream: body.stream === true,
      request: { body, rawBody: wire.rawBody, headers: readHeaders(wire.header) },
      excerpt: () => lastUserExcerpt(body),
      size: () => ({ prompt: promptTokens(body), maxOutput: body.max_tokens }),
    };
  },

  plan(request, call) {
    const model = call.model;
    return {
      operation: async (route, apiKey, cancellation = call.cancellation): Promise<MessagesResult> => {
        if (speaksMessages(route)) {
          const answer = await route.target.provider.passthrough!({
            method: 'POST',
            path: '/v1/messages',
            query: '',
            body: bodyFor(request, route.upstreamModel),
            accept: call.stream ? 'text/event-stream' : 'application/json',
            headers: request.headers,
            apiKey,
            cancellation,
          });
          return { kind: 'bytes', answer };
        }
        const chat = toChatRequest(request.body, model);
        const answer = await route.target.provider.chatCompletions({ request: chat, rawBody: undefined, upstreamModel: route.upstreamModel, apiKey, cancellation, excerptChars: call.logBodies ? EXCERPT_LENGTH : 0 });
        const result = substantialResult(answer, route.target.settings.id);
        if (call.stream) {
          if (result.kind !== 'stream') throw new GatewayError(502, `Upstream ${route.target.settings.id} did not stream.`);
          const { report } = result;
          const writer = new MessageEventWriter(newMessageId(), model);
          const usage = () => report.usage ?? estimatedUsage(promptTokens(request.body), report.estimatedCompletionTokens);
          return { kind: 'stream', events: await primeStream(messageEvents(result.events, writer, usage)), report };
        }
        if (result.kind !== 'json') throw new GatewayError(502, `Upstream ${route.target.settings.id} answered with a stream.`);
        return result;
      },
      holdKeyUntil: (result) => (result.kind === 'bytes' ? result.answer.finished : result.kind === 'stream' ? result.events.finished : Promise.resolve()),
      discard: (result) => {
        if (result.kind === 'bytes') result.answer.body?.destroy();
        else if (result.kind === 'stream') void result.events.rest.return?.();
      },
    };
  },

  reply(result, request, call) {
    if (result.kind === 'bytes') {
      const { answer } = result;
      return { kind: 'bytes', status: answer.status, contentType: answer.contentType, first: answer.first, body: answer.body, usage: () => ({ usage: answer.usage, estimate: () => NO_USAGE, responseExcerpt: undefined }) };
    }
    const estimate = (completion: number) => estimatedUsage(promptTokens(request.body), completion);
    if (result.kind === 'stream') {
      const { report } = result;
      return {
        kind: 'events',
        events: result.events,
        frame: (payloads) => payloads.join(''),
        end: '',
        errorEvent: (error) => messageEvent('error', { error: anthropicErrorBody(error).error }),
        usage: () => ({ usage: report.usage, estimate: () => estimate(report.estimatedCompletionTokens), responseExcerpt: call.logBodies ? report.excerpt : undefined }),
      };
    }
    const message = toMessage(result.body, call.model);
    const text = (message.content as { type: string; text?: string }[]).map((block) => block.text ?? '').join('');
    message.usage = toMessageUsage(result.usage ?? estimate(estimateTokens(text)));
    return {
      kind: 'json',
      body: JSON.stringify(message),
      usage: () => ({ usage: result.usage, estimate: () => estimate(estimateTokens(text)), responseExcerpt: call.logBodies ? text.slice(0, EXCERPT_LENGTH) : undefined }),
    };
  },

  errorReply: anthropicErrorReply,
};
