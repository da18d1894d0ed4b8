import type { GatewayMiddleware } from '../context.js';

/** Gemini's native paths as the gateway serves them: left alone. */
const SERVED = /^\/(?:gemini\/)?v1beta\/models(?:\/[^/:]+(?::[A-Za-z]+)?)?$/;

/**
 * gemini-balance's URL_NORMALIZATION_ENABLED ("smart routing"): a Gemini call on an odd path (a doubled or foreign
 * prefix, `/v1/v1beta/...`, a lower-case action) is sent to the native route it means. A path naming
 * `generateContent` or `v1beta/models` becomes, for GET, the model list; otherwise the model's `generateContent`,
 * or `streamGenerateContent` when the path says `stream` or the query `stream=true`. The model comes from the
 * query's `model` or the path's `/models/<name>`; without one the path is left as it is. Undefined: no change.
 */
export function normalizedGeminiPath(path: string, method: string, query: Readonly<Record<string, unknown>>): string | undefined {
  if (SERVED.test(path)) return undefined;
  const lower = path.toLowerCase();
  if (!lower.includes('generatecontent') && !lower.includes('v1beta/models')) return undefined;
  if (method === 'GET') return '/v1beta/models';
  const model = typeof query.model === 'string' && query.model !== '' ? query.model : /\/models\/([^/:]+)/i.exec(path)?.[1];
  if (model === undefined) return undefined;
  const stream = lower.includes('stream') || query.stream === 'true';
  return `/v1beta/models/${model}:${stream ? 'streamGenerateContent' : 'generateContent'}`;
}

/** Rewrites the path before routing (see normalizedGeminiPath); the access log keeps the path the client sent. */
export function urlNormalization(): GatewayMiddleware {
  return async (ctx, next) => {
    const normalized = normalizedGeminiPath(ctx.path, ctx.method, ctx.query);
    if (normalized !== undefined) {
      ctx.state.logger?.debug({ from: ctx.path, to: normalized }, 'URL normalized');
      ctx.path = normalized;
    }
    await next();
  };
}
