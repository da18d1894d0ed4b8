import type { z } from 'zod';
import type { Authenticator } from '../../access/identity/authenticator.js';
import { byokCaller } from '../../access/identity/authenticator.js';
import type { Caller } from '../../access/identity/caller.js';
import { allowsModel } from '../../access/client-keys/client-key.js';
import type { MeteredCall, UsageMeter } from '../../access/metering/usage-meter.js';
import type { Cancellation } from '../../core/cancellation.js';
import { GatewayError, invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import type { RequestRecord } from '../../logging/log-store.js';
import type { DispatchOptions, Dispatcher } from '../../routing/dispatcher.js';
import type { ModelRoute } from '../../routing/model-resolver.js';
import { cancelOnClientDisconnect } from '../client-abort.js';
import type { GatewayContext } from '../context.js';
import { rawJsonBody } from '../middleware/json-body.js';

/** Where a model goes: the gateway's resolver, or a fixed provider for a passthrough surface. */
export interface ModelRouter {
  resolve(model: string): ModelRoute;
}

/** Who may call what, and the metering of calls. */
export interface InferenceAccess {
  authenticator: Authenticator;
  meter: UsageMeter;
  /** Providers whose callers bring their own upstream key (BYOK). */
  byokProviders: ReadonlySet<string>;
  /** Whether a provider has upstream keys of the gateway's own. */
  hasPoolKeys(provider: string): boolean;
  /** LOG_REQUEST_BODIES: keep excerpts of prompts and answers in the request log. */
  logBodies: boolean;
}

/** What the inference routes (chat, embeddings) need: where a model goes, how a call is made, who may make it. */
export interface InferenceRouteDependencies {
  resolver: ModelRouter;
  dispatcher: Dispatcher;
  access: InferenceAccess;
}

export interface InferenceCall<Request> {
  request: Request;
  rawBody: string | undefined;
  route: ModelRoute;
  cancellation: Cancellation;
  metered: MeteredCall;
  /** Runs the upstream operation with a pool key (retried on others) or with the caller's own key. */
  dispatch<T>(operation: (apiKey: string | undefined) => Promise<T>, options?: DispatchOptions<T>): Promise<T>;
}

export const EXCERPT_LENGTH = 1000;

/**
 * The common start of every inference request: validate the body, apply the key's default model, resolve the
 * model to a provider, decide whose key pays (the pool's, or the caller's own for a BYOK provider), check the
 * key's model allowlist and admit the call against its limits. The call is metered from here on.
 */
export async function beginInference<Schema extends z.ZodType<{ model?: string | undefined }>>(
  ctx: GatewayContext,
  schema: Schema,
  deps: InferenceRouteDependencies,
  endpoint: RequestRecord['endpoint'],
): Promise<InferenceCall<z.infer<Schema>>> {
  const { access } = deps;
  let request = validateRequest(schema, ctx.request.body);
  let rawBody = rawJsonBody(ctx);
  let caller: Caller | undefined = ctx.state.caller;
  if (request.model === undefined && caller?.kind === 'client' && caller.key.defaultModel !== null) {
    request = { ...request, model: caller.key.defaultModel };
    rawBody = undefined;
  }
  const model = request.model;
  if (model === undefined) throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  ctx.state.model = model;
  const route = deps.resolver.resolve(model);
  const provider = route.target.settings.id;
  ctx.state.provider = provider;

  const ownKey = access.byokProviders.has(provider) ? ctx.state.unknownToken : undefined;
  if (caller === undefined) {
    // A token the gateway does not know is only good as a BYOK provider's key.
    if (ownKey === undefined) await access.authenticator.refuse(ctx.ip);
    caller = byokCaller(ownKey!);
    ctx.state.caller = caller;
    ctx.state.clientFingerprint = caller.id;
  }
  const metered: MeteredCall = {
    caller,
    requestId: ctx.state.requestId,
    endpoint,
    model,
    provider,
    stream: (request as { stream?: unknown }).stream === true,
    startedAt: ctx.state.startedAt,
  };
  ctx.state.metered = metered;
  if (ownKey === undefined && access.byokProviders.has(provider) && !access.hasPoolKeys(provider)) {
    throw new GatewayError(401, `Provider ${provider} takes your own ${provider} API key as the bearer token.`, { code: 'own_key_required' });
  }
  if (caller.kind === 'client' && !allowsModel(caller.key, model)) {
    throw new GatewayError(403, `This API key is not allowed to use the model \`${model}\`.`, { code: 'model_not_allowed', param: 'model' });
  }
  await access.meter.admit(metered);

  const cancellation = cancelOnClientDisconnect(ctx);
  const target = route.target;
  return {
    request,
    rawBody,
    route,
    cancellation,
    metered,
    dispatch: (operation, options = {}) =>
      ownKey === undefined
        ? deps.dispatcher.run(target, operation, { trace: ctx.state, ...options })
        : deps.dispatcher.runWithOwnKey(target, ownKey, caller.id, operation, { trace: ctx.state, ...options }),
  };
}

/** The text of the request's last message, shortened, for the request log (LOG_REQUEST_BODIES). */
export function lastMessageExcerpt(messages: readonly { content?: unknown }[] | undefined): string | undefined {
  const content = messages?.at(-1)?.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('')
        : '';
  return text.slice(0, EXCERPT_LENGTH);
}
