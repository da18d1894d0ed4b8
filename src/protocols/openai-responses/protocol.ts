import { estimatedUsage } from '../../access/metering/token-usage.js';
import { EXCERPT_LENGTH, type Call } from '../../calls/call.js';
import { GatewayError, invalidRequest } from '../../core/errors.js';
import { primeStream, type PrimedStream } from '../../core/primed-stream.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { TokenUsage } from '../../core/usage.js';
import type { PassthroughResult, StreamReport } from '../../providers/types.js';
import type { ModelRoute } from '../../routing/model-resolver.js';
import type { ClientProtocol, EventStreamReply, Reply } from '../protocol.js';
import { openAIErrorReply } from '../openai/wire.js';
import { substantialResult } from '../openai/answer-substance.js';
import { passthroughReply } from '../passthrough-reply.js';
import { responseFromChatAnswer } from './from-chat-answer.js';
import { type ResponseItem, type ResponsesRequest, responsesRequestSchema } from './request-schema.js';
import { randomId, type ResponseFrame } from './response-object.js';
import type { ResponseStore } from './response-store.js';
import { ResponsesStreamConverter } from './stream-converter.js';
import { inputItems, toChatRequest } from './to-chat-request.js';

interface ReceivedResponsesRequest {
  request: ResponsesRequest;
  rawBody: string | undefined;
}

/** How a call was served: the upstream's own Responses API (its bytes), or chat converted back (JSON or events). */
type ResponsesOutcome =
  | { kind: 'bytes'; result: PassthroughResult }
  | { kind: 'json'; body: string; usage: TokenUsage | undefined; text: string }
  | { kind: 'stream'; events: PrimedStream<string[]>; report: StreamReport; converter: ResponsesStreamConverter };

const promptTokens = (request: ResponsesRequest) => estimateTokens((request.instructions ?? '') + JSON.stringify(request.input ?? ''));

/** The text of the request's last input item, for the request log. */
function inputExcerpt(request: ResponsesRequest): string {
  const last = inputItems(request.input).at(-1);
  const content = last?.content ?? last?.output;
  if (typeof content === 'string') return content.slice(0, EXCERPT_LENGTH);
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : ''))
    .join('')
    .slice(0, EXCERPT_LENGTH);
}

/** The text of a response's message items, for estimates and the request log. */
function outputText(response: Record<string, unknown> | undefined): string {
  const output = (response?.output ?? []) as { type?: string; content?: { text?: unknown }[]; arguments?: unknown }[];
  let text = '';
  for (const item of output) {
    if (item.type === 'message') for (const part of item.content ?? []) text += typeof part.text === 'string' ? part.text : '';
    else if (typeof item.arguments === 'string') text += item.arguments;
  }
  return text;
}

const previousResponseNotFound = (id: string) =>
  new GatewayError(404, `Previous response with id '${id}' not found.`, { param: 'previous_response_id', code: 'previous_response_not_found' });

/** The Responses API's SSE: `event: <type>` and `data: <event>`; the type is the event's first field. */
function frameEvents(payloads: readonly string[]): string {
  let text = '';
  for (const payload of payloads) text += `event: ${payload.slice(9, payload.indexOf('"', 9))}\ndata: ${payload}\n\n`;
  return text;
}

/** The request body for an upstream that serves the Responses API itself: the client's bytes, the model renamed if need be. */
function passthroughBody(received: ReceivedResponsesRequest, upstreamModel: string): string {
  const { request, rawBody } = received;
  if (rawBody !== undefined && request.model === upstreamModel) return rawBody;
  return JSON.stringify({ ...request, model: upstreamModel });
}

/**
 * OpenAI's Responses API (`POST /v1/responses`). An upstream that serves it itself (OpenAI, Azure, a compatible
 * upstream configured with `passthrough: [responses]`) gets the request as it came, model renamed, and its bytes
 * come back untouched; it keeps its own store, so `previous_response_id` is forwarded as it is. Every other upstream
 * gets it as a chat request (see to-chat-request.ts), and its chat answer or chunks come back as a response object or
 * the typed events; those responses are kept in the gateway's store (unless `store: false`) for
 * `previous_response_id` and `GET /v1/responses/{id}`, readable only by the caller that made them.
 */
export function openAIResponsesProtocol(store: ResponseStore): ClientProtocol<ReceivedResponsesRequest, ResponsesOutcome> {
  return {
    endpoint: 'responses',

    parse(wire) {
      const request = validateRequest(responsesRequestSchema, wire.body);
      return {
        model: request.model,
        stream: request.stream === true,
        request: { request, rawBody: wire.rawBody },
        excerpt: () => inputExcerpt(request),
        size: () => ({ prompt: promptTokens(request), maxOutput: request.max_output_tokens ?? undefined }),
      };
    },

    plan(received, call) {
      const { request } = received;
      let history: Promise<ResponseItem[]> | undefined;
      // Read once, on the first converted attempt: retries and fallbacks continue the same conversation.
      const conversation = (): Promise<ResponseItem[]> =>
        (history ??= (async () => {
          const id = request.previous_response_id;
          if (!id) return [];
          const previous = await store.load(id, call.caller.id);
          if (!previous) throw previousResponseNotFound(id);
          return [...previous.input, ...((previous.response.output ?? []) as ResponseItem[])];
        })());

      const keep = async (response: Record<string, unknown>, earlier: ResponseItem[]) => {
        if (request.store === false) return;
        await store.save(String(response.id), { owner: call.caller.id, input: [...earlier, ...inputItems(request.input)], response });
      };

      const converted = async (route: ModelRoute, apiKey: string | undefined, cancellation: Call['cancellation']): Promise<ResponsesOutcome> => {
        if (request.background === true) throw invalidRequest("'background' responses are only served by OpenAI's own Responses API.", 'background', 'unsupported_parameter');
        const earlier = await conversation();
        const chat = toChatRequest(request, earlier, call.model);
        const frame: ResponseFrame = { id: randomId('resp'), createdAt: Math.floor(call.startedAt / 1000), model: route.answerModel ?? route.upstreamModel, request };
        const excerptChars = call.logBodies ? EXCERPT_LENGTH : 0;
        const answer = await route.target.provider.chatCompletions({ request: chat, rawBody: undefined, upstreamModel: route.upstreamModel, apiKey, cancellation, excerptChars });
        const result = substantialResult(answer, route.target.settings.id);
        if (call.stream) {
          if (result.kind !== 'stream') throw new GatewayError(502, `Upstream ${route.target.settings.id} did not stream.`);
          const converter = new ResponsesStreamConverter(frame, randomId);
          const events = convertedEvents(result.events, converter, result.report, (response) => keep(response, earlier));
          return { kind: 'stream', events: await primeStream(events), report: result.report, converter };
        }
        if (result.kind !== 'json') throw new GatewayError(502, `Upstream ${route.target.settings.id} answered with a stream.`);
        const response = responseFromChatAnswer(result.body, result.usage, frame, randomId);
        await keep(response, earlier);
        return { kind: 'json', body: JSON.stringify(response), usage: result.usage, text: outputText(response) };
      };

      return {
        operation: async (route, apiKey, cancellation = call.cancellation) => {
          const provider = route.target.provider;
          if (!provider.ownApis?.has('responses') || !provider.passthrough) return converted(route, apiKey, cancellation);
          const result = await provider.passthrough({
            method: 'POST',
            path: '/responses',
            query: '',
            body: passthroughBody(received, route.upstreamModel),
            accept: call.stream ? 'text/event-stream' : 'application/json',
            upstreamModel: route.upstreamModel,
            apiKey,
            cancellation,
          });
          return { kind: 'bytes', result };
        },
        holdKeyUntil: (outcome) => (outcome.kind === 'bytes' ? outcome.result.finished : outcome.kind === 'stream' ? outcome.events.finished : Promise.resolve()),
        discard: (outcome) => {
          if (outcome.kind === 'bytes') outcome.result.body?.destroy();
          else if (outcome.kind === 'stream') void outcome.events.rest.return?.();
        },
      };
    },

    reply(outcome, received, call): Reply {
      const prompt = () => promptTokens(received.request);
      switch (outcome.kind) {
        case 'bytes':
          return passthroughReply(outcome.result, () => estimatedUsage(prompt(), 0));
        case 'json':
          return {
            kind: 'json',
            body: outcome.body,
            usage: () => ({
              usage: outcome.usage,
              estimate: () => estimatedUsage(prompt(), estimateTokens(outcome.text)),
              responseExcerpt: call.logBodies ? outcome.text.slice(0, EXCERPT_LENGTH) : undefined,
            }),
          };
        case 'stream': {
          const { report, converter } = outcome;
          const reply: EventStreamReply = {
            kind: 'events',
            events: outcome.events,
            frame: frameEvents,
            end: '',
            errorEvent: (error) => frameEvents(converter.fail(error)),
            usage: () => ({
              usage: report.usage,
              estimate: () => estimatedUsage(prompt(), report.estimatedCompletionTokens),
              responseExcerpt: call.logBodies ? report.excerpt : undefined,
            }),
          };
          return reply;
        }
      }
    },

    errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
  };
}

/**
 * The converted events of a chat stream: the opening events come with the first chunk (so that an upstream failing
 * before it can still be retried), and the completed response is stored before its event goes out, so a follow-up
 * sent the moment the client has it finds it.
 */
async function* convertedEvents(
  chunks: AsyncIterable<string[]>,
  converter: ResponsesStreamConverter,
  report: StreamReport,
  completed: (response: Record<string, unknown>) => Promise<void>,
): AsyncGenerator<string[]> {
  let started = false;
  for await (const batch of chunks) {
    const out: string[] = [];
    if (!started) converter.start(out);
    started = true;
    for (const payload of batch) converter.push(payload, out);
    if (out.length > 0) yield out;
  }
  const out: string[] = [];
  if (!started) converter.start(out);
  converter.finish(report.usage, out);
  await completed(converter.response!);
  yield out;
}
