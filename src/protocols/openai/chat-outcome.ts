import { estimatedUsage } from '../../access/metering/token-usage.js';
import { EXCERPT_LENGTH, type Call } from '../../calls/call.js';
import { GatewayError } from '../../core/errors.js';
import { primeStream, type PrimedStream } from '../../core/primed-stream.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { TokenUsage } from '../../core/usage.js';
import type { ChatResult, JsonResult, StreamReport } from '../../providers/types.js';
import type { ModelRoute } from '../../routing/model-resolver.js';
import type { CallPlan, Reply } from '../protocol.js';
import { substantialResult } from './answer-substance.js';
import { openAIEventStream, withModel, withStreamModel } from './wire.js';

/** An OpenAI-shaped answer (chat or text completion) as dispatch hands it on: JSON, or chunks whose first is in. */
export type ChatOutcome = JsonResult | { kind: 'stream'; events: PrimedStream<string[]>; report: StreamReport };

/**
 * A provider's result as the call wants it: streamed when the client asked for a stream, each answer or chunk
 * showing the route's answer model (a group's name) when it has one; an empty answer is refused (retried).
 */
export function servedOutcome(answer: ChatResult, route: ModelRoute, stream: boolean): ChatOutcome | Promise<ChatOutcome> {
  const result = substantialResult(answer, route.target.settings.id);
  const shown = route.answerModel;
  if (stream) {
    if (result.kind !== 'stream') throw new GatewayError(502, `Upstream ${route.target.settings.id} did not stream.`);
    const events = shown === undefined ? result.events : withStreamModel(result.events, shown);
    return primeStream(events).then((primed) => ({ kind: 'stream', events: primed, report: result.report }));
  }
  if (result.kind !== 'json') throw new GatewayError(502, `Upstream ${route.target.settings.id} answered with a stream.`);
  return shown === undefined ? result : { ...result, body: withModel(result.body, shown) };
}

/** What one attempt passes to the provider beside the request. */
export interface AttemptSettings {
  upstreamModel: string;
  apiKey: string | undefined;
  cancellation: Call['cancellation'];
  excerptChars: number;
}

/**
 * The plan of a call whose answer is chat-shaped (chat, legacy completions): `run` calls the provider on one route
 * and key; a stream holds its key to its end, and one nobody reads is closed.
 */
export function chatShapedPlan(call: Call, run: (route: ModelRoute, attempt: AttemptSettings) => Promise<ChatResult>): CallPlan<ChatOutcome> {
  const excerptChars = call.logBodies ? EXCERPT_LENGTH : 0;
  return {
    operation: (route, apiKey, cancellation = call.cancellation) =>
      run(route, { upstreamModel: route.upstreamModel, apiKey, cancellation, excerptChars }).then((answer) => servedOutcome(answer, route, call.stream)),
    holdKeyUntil: call.stream ? (outcome) => (outcome.kind === 'stream' ? outcome.events.finished : Promise.resolve()) : undefined,
    discard: (outcome) => {
      if (outcome.kind === 'stream') void outcome.events.rest.return?.();
    },
  };
}

export interface AnswerReading {
  /** Estimated prompt tokens of the request. */
  promptTokens: () => number;
  /** The client asked for the usage chunk of a stream (`stream_options.include_usage`). */
  includeUsage: boolean;
  /** The generated text of a JSON answer, for estimates and excerpts. */
  answerText: (body: string) => string;
}

interface ChatShapedRequest {
  stream_options?: { include_usage?: boolean | undefined } | null | undefined;
}

/** A chat-shaped protocol's `reply`: its request's prompt estimate and the text of its answers are its own. */
export const chatShapedReply =
  <Request extends ChatShapedRequest>(promptTokens: (request: Request) => number, answerText: (body: string) => string) =>
  (outcome: ChatOutcome, parsed: { request: Request }, call: Call, costOf: (usage: TokenUsage) => number | null): Reply => {
    const { request } = parsed;
    return chatOutcomeReply(outcome, { promptTokens: () => promptTokens(request), includeUsage: request.stream_options?.include_usage === true, answerText }, call, costOf);
  };

/** The reply to an OpenAI-shaped outcome: the JSON as it is, or the chunks as `data:` events ending in `[DONE]`. */
function chatOutcomeReply(outcome: ChatOutcome, reading: AnswerReading, call: Call, costOf: (usage: TokenUsage) => number | null): Reply {
  if (outcome.kind === 'stream') {
    const { report } = outcome;
    const estimate = () => estimatedUsage(reading.promptTokens(), report.estimatedCompletionTokens);
    return openAIEventStream(
      outcome.events,
      () => ({ usage: report.usage, estimate, responseExcerpt: call.logBodies ? report.excerpt : undefined }),
      // The usage chunk has been read by the time it is written, so the usage it reports is known. A client that
      // did not ask for usage gets the upstream's chunks as they are, even where the upstream sends usage anyway.
      reading.includeUsage ? () => costOf(report.usage ?? estimate()) : undefined,
    );
  }
  return {
    kind: 'json',
    body: outcome.body,
    usage: () => ({
      usage: outcome.usage,
      estimate: () => estimatedUsage(reading.promptTokens(), estimateTokens(reading.answerText(outcome.body))),
      responseExcerpt: call.logBodies ? reading.answerText(outcome.body).slice(0, EXCERPT_LENGTH) : undefined,
    }),
  };
}
