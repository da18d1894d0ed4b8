import type Router from '@koa/router';
import { estimatedUsage, usageFromObject } from '../../access/metering/token-usage.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { embeddingsRequestSchema } from '../../core/openai-schemas.js';
import type { GatewayMiddleware, GatewayState } from '../context.js';
import { beginInference, type InferenceRouteDependencies } from './inference.js';

/** Token ids count as they are; text is estimated. */
function inputTokens(input: string | string[] | number[] | number[][]): number {
  if (typeof input === 'string') return estimateTokens(input);
  return (input as (string | number | number[])[]).reduce<number>(
    (sum, item) => sum + (typeof item === 'string' ? estimateTokens(item) : typeof item === 'number' ? 1 : item.length),
    0,
  );
}

export function registerEmbeddingsRoute(router: Router<GatewayState>, guard: GatewayMiddleware[], deps: InferenceRouteDependencies, path = '/v1/embeddings'): void {
  router.post(path, ...guard, async (ctx) => {
    const { request, rawBody, route, cancellation, metered, dispatch } = await beginInference(ctx, embeddingsRequestSchema, deps, 'embeddings');
    const result = await dispatch((apiKey) => route.target.provider.embeddings({ request, rawBody, upstreamModel: route.upstreamModel, apiKey, cancellation }));
    metered.usage = usageFromObject(result.usage);
    metered.estimate = () => estimatedUsage(inputTokens(request.input), 0);
    ctx.type = 'application/json';
    ctx.body = result.body;
  });
}
