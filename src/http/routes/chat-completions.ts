import type Router from '@koa/router';
import { estimatedUsage, usageFromObject } from '../../access/metering/token-usage.js';
import { GatewayError } from '../../core/errors.js';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from '../../core/openai-schemas.js';
import { primeStream } from '../../core/primed-stream.js';
import { estimateTokens } from '../../core/token-estimate.js';
import type { StreamReport } from '../../providers/types.js';
import type { GatewayMiddleware, GatewayState } from '../context.js';
import { writeSseResponse } from '../sse-response.js';
import { beginInference, EXCERPT_LENGTH, type InferenceRouteDependencies, lastMessageExcerpt } from './inference.js';

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

export function registerChatCompletionsRoute(router: Router<GatewayState>, guard: GatewayMiddleware[], deps: InferenceRouteDependencies, path = '/v1/chat/completions'): void {
  router.post(path, ...guard, async (ctx) => {
    const inference = await beginInference(ctx, chatCompletionRequestSchema, deps, 'chat');
    const { route, cancellation, metered, dispatch } = inference;
    const { provider, settings } = route.target;
    if (deps.access.logBodies) metered.requestExcerpt = lastMessageExcerpt(inference.request.messages);

    if (inference.request.stream === true) {
      // The provider meters every stream (asking for usage the client did not) and reports it.
      const { request, rawBody } = inference;
      const excerptChars = deps.access.logBodies ? EXCERPT_LENGTH : 0;
      let report: StreamReport | undefined;
      const stream = await dispatch(
        async (apiKey) => {
          const result = await provider.chatCompletions({ request, rawBody, upstreamModel: route.upstreamModel, apiKey, cancellation, excerptChars });
          if (result.kind !== 'stream') throw new GatewayError(502, `Upstream ${settings.id} did not stream.`);
          report = result.report;
          return primeStream(result.events);
        },
        { holdKeyUntil: (primed) => primed.finished },
      );
      metered.estimate = () => usageFromObject(report?.usage) ?? estimatedUsage(promptTokens(request), report?.estimatedCompletionTokens ?? 0);
      await writeSseResponse(ctx, stream, cancellation);
      if (deps.access.logBodies) metered.responseExcerpt = report?.excerpt ?? '';
      return;
    }
    const { request, rawBody } = inference;
    const result = await dispatch((apiKey) => provider.chatCompletions({ request, rawBody, upstreamModel: route.upstreamModel, apiKey, cancellation }));
    if (result.kind !== 'json') throw new GatewayError(502, `Upstream ${settings.id} answered with a stream.`);
    metered.usage = usageFromObject(result.usage);
    metered.estimate = () => estimatedUsage(promptTokens(request), estimateTokens(answerText(result.body)));
    if (deps.access.logBodies) metered.responseExcerpt = answerText(result.body).slice(0, EXCERPT_LENGTH);
    ctx.type = 'application/json';
    ctx.body = result.body;
  });
}
