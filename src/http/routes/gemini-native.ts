import type Router from '@koa/router';
import type { Authenticator } from '../../access/identity/authenticator.js';
import { bearerToken } from '../../access/identity/token-verifier.js';
import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../logging/logger.js';
import { forwardNative, geminiNativeProtocol, googleErrorReply } from '../../protocols/gemini-native/protocol.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import type { RoutePlan } from '../../routing/dispatcher.js';
import { type CallHandlerDependencies, callHandler, forwardedQuery, writePassthrough } from '../call-handler.js';
import { cancelOnClientDisconnect } from '../client-abort.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';
import { noteIdentity } from '../middleware/auth.js';
import { errorHandler } from '../middleware/error-handler.js';

export interface GeminiNativeDependencies extends CallHandlerDependencies {
  /** The configured Gemini provider (of the config in force); the routes answer 404 without one. */
  gemini: () => ConfiguredProvider | undefined;
  authenticator: Authenticator;
  /** Whether callers may bring their own Gemini key (BYOK). */
  byok: boolean;
  maxBodyBytes: number;
  /** What admits a call and reads its body (load shedding, body limits). */
  intake: readonly GatewayMiddleware[];
  logger: Logger;
}

/** Gemini clients send their key as `?key=`, `x-goog-api-key` or a bearer token: each may carry a gateway key. */
export function requireGeminiClientToken(authenticator: Authenticator, acceptUnknown: boolean): GatewayMiddleware {
  return async (ctx, next) => {
    const query = ctx.query.key;
    const token = (typeof query === 'string' ? query : undefined) ?? (ctx.get('x-goog-api-key') || undefined) ?? bearerToken(ctx.get('authorization'));
    noteIdentity(ctx, await authenticator.identify(token, () => ctx.ip, acceptUnknown));
    return next();
  };
}

const PREFIX = '(?:/gemini)?/v1beta';
const MODELS_PATH = new RegExp(`^${PREFIX}/models$`);
const MODEL_PATH = new RegExp(`^${PREFIX}/models/([^/:]+)$`);
const MODEL_ACTION_PATH = new RegExp(`^${PREFIX}/models/([^/:]+):([A-Za-z]+)$`);

/**
 * Gemini's own API for clients that speak it (`@google/genai`, gemini-cli), under `/v1beta` and `/gemini/v1beta`.
 * Model actions are inference calls on the shared path (admission, limits, BYOK, metering, retries on the pool);
 * the model list and a model's details are forwarded on the pool without metering.
 */
export function registerGeminiNativeRoutes(router: Router<GatewayState>, deps: GeminiNativeDependencies): void {
  const googleErrors = errorHandler(deps.logger, deps.maxBodyBytes, googleErrorReply);
  // Only a model call can take a caller's own key; listing models needs a key of the gateway.
  const listGuard = [googleErrors, requireGeminiClientToken(deps.authenticator, false)];
  const callGuard = [googleErrors, requireGeminiClientToken(deps.authenticator, deps.byok)];
  const gemini = (): ConfiguredProvider => {
    const configured = deps.gemini();
    if (!configured) throw new GatewayError(404, 'Gemini is not configured on this gateway.');
    return configured;
  };
  const fixedPlan = (model: string): RoutePlan => ({ routes: [{ target: gemini(), upstreamModel: model }] });

  const forwardGet = async (ctx: GatewayContext, path: string) => {
    const target = gemini();
    const cancellation = cancelOnClientDisconnect(ctx);
    const request = { method: 'GET' as const, path, query: forwardedQuery(ctx), body: undefined, accept: ctx.get('accept') || '*/*' };
    const result = await deps.dispatcher.run(target, (apiKey) => forwardNative({ target, upstreamModel: '' }, request, apiKey, cancellation));
    await writePassthrough(ctx, result, cancellation);
  };

  router.get(MODELS_PATH, ...listGuard, (ctx) => forwardGet(ctx, '/models'));
  router.get(MODEL_PATH, ...listGuard, (ctx) => forwardGet(ctx, `/models/${MODEL_PATH.exec(ctx.path)![1]!}`));
  router.post(
    MODEL_ACTION_PATH,
    ...callGuard,
    ...deps.intake,
    callHandler(geminiNativeProtocol, deps, {
      router: { plan: fixedPlan },
      params: (ctx) => {
        const [, model, action] = MODEL_ACTION_PATH.exec(ctx.path)!;
        return { model: model!, action: action! };
      },
      // A key's allowlist may name Gemini models bare or as `gemini/<model>`.
      allowlistAliases: (model) => [`gemini/${model}`],
    }),
  );
}
