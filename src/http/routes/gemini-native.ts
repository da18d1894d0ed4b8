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
  authenticator: Authenticator;
  maxBodyBytes: number;
  /** What admits a call and reads its body (load shedding, body limits). */
  intake: readonly GatewayMiddleware[];
  logger: Logger;
}

/** Which upstream one set of Gemini native routes is bound to. */
export interface GeminiNativeBinding {
  /** The paths' prefix, as a regular expression's source: `(?:/gemini)?/v1beta`. */
  prefix: string;
  /** The upstream of the model calls (of the config in force), and its name for the 404 without one. */
  provider: () => ConfiguredProvider | undefined;
  name: string;
  /** The upstream whose model list and model details are served (the same one, unless it has no list). */
  models: () => ConfiguredProvider | undefined;
  modelsName: string;
  /** Whether callers may bring their own key for it (BYOK). */
  byok: boolean;
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

/**
 * Gemini's own API for clients that speak it (`@google/genai`, gemini-cli), under the binding's prefix, on the
 * binding's upstream: `/v1beta` and `/gemini/v1beta` on Gemini, `/vertex-express/v1beta` on Vertex express.
 * Model actions are inference calls on the shared path (admission, limits, BYOK, metering, retries on the pool);
 * the model list and a model's details are forwarded on the pool without metering.
 */
export function registerGeminiNativeRoutes(router: Router<GatewayState>, binding: GeminiNativeBinding, deps: GeminiNativeDependencies): void {
  const MODELS_PATH = new RegExp(`^${binding.prefix}/models$`);
  const MODEL_PATH = new RegExp(`^${binding.prefix}/models/([^/:]+)$`);
  const MODEL_ACTION_PATH = new RegExp(`^${binding.prefix}/models/([^/:]+):([A-Za-z]+)$`);
  const googleErrors = errorHandler(deps.logger, deps.maxBodyBytes, googleErrorReply);
  // Only a model call can take a caller's own key; listing models needs a key of the gateway.
  const listGuard = [googleErrors, requireGeminiClientToken(deps.authenticator, false)];
  const callGuard = [googleErrors, requireGeminiClientToken(deps.authenticator, binding.byok)];
  const configured = (find: () => ConfiguredProvider | undefined, name: string): ConfiguredProvider => {
    const target = find();
    if (!target) throw new GatewayError(404, `${name} is not configured on this gateway.`);
    return target;
  };
  const provider = () => configured(binding.provider, binding.name);
  const fixedPlan = (model: string): RoutePlan => ({ routes: [{ target: provider(), upstreamModel: model }] });

  const forwardGet = async (ctx: GatewayContext, path: string) => {
    const target = configured(binding.models, binding.modelsName);
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
      // A key's allowlist may name the models bare or as `<kind>/<model>` (`gemini/gemini-2.5-flash`).
      allowlistAliases: (model) => [`${provider().settings.kind}/${model}`],
    }),
  );
}
