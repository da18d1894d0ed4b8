import { type Authenticator, byokCaller } from '../access/identity/authenticator.js';
import type { Caller } from '../access/identity/caller.js';
import { allowsModel } from '../access/client-keys/client-key.js';
import { mappedModel, tokenAllows } from '../access/identity/token-routes.js';
import type { UsageMeter } from '../access/metering/usage-meter.js';
import type { RequestSize } from '../protocols/protocol.js';
import type { Cancellation } from '../core/cancellation.js';
import { GatewayError, invalidRequest } from '../core/errors.js';
import type { RoutePlan } from '../routing/dispatcher.js';
import type { AdmittedCall, Call } from './call.js';

const NO_NAMES: readonly string[] = [];

const modelNotAllowed = (model: string) =>
  new GatewayError(403, `This API key is not allowed to use the model \`${model}\`.`, { code: 'model_not_allowed', param: 'model' });

/** Where a model goes: the gateway's routes, or a fixed provider for a surface of one provider's own. */
export interface ModelRouter {
  /** `size`: the request's estimated size, for routing by cost. */
  plan(model: string, size?: () => RequestSize): RoutePlan;
}

/** Who the auth middleware found: a caller, or a token it does not know, kept for a BYOK provider to take. */
export type Identity = { caller: Caller } | { unknownToken: string | undefined };

export interface CallRequest {
  requestId: string;
  startedAt: number;
  endpoint: Call['endpoint'];
  identity: Identity;
  /** The client's address, looked up only to count a refused token. */
  clientAddress: () => string;
  /** The model the request names; undefined when it names none. */
  model: string | undefined;
  stream: boolean;
  /** The request's estimated size (for pricing the call before it runs). */
  size?: () => RequestSize;
  router: ModelRouter;
  /** Further names a client key's model allowlist may list the model under (`gemini/<model>` for Gemini's own API). */
  allowlistAliases?: (model: string) => readonly string[];
  cancellation: Cancellation;
}

export interface CallStarterDependencies {
  authenticator: Authenticator;
  meter: UsageMeter;
  /** Providers whose callers bring their own upstream key (BYOK). */
  byokProviders: ReadonlySet<string>;
  /** Whether a provider has upstream keys of the gateway's own. */
  hasPoolKeys(provider: string): Promise<boolean>;
  logBodies: boolean;
}

/**
 * The common start of every inference call, whatever protocol the client speaks: the key's default model, the
 * route, whose key pays (the pool's, or the caller's own for a BYOK provider), then admission: the key's model
 * allowlist and its limits.
 */
export class CallStarter {
  constructor(private readonly deps: CallStarterDependencies) {}

  /**
   * The call, or the error that stops it before it is metered (no model, an unknown model, an unknown token). Only
   * a refused token is waited for (its refusal may be slowed down), so a call is not made to wait a turn for nothing.
   */
  start(request: CallRequest): Call | Promise<never> {
    const known = 'caller' in request.identity ? request.identity.caller : undefined;
    const tokenRoutes = known?.kind === 'token' ? known.routes : undefined;
    const model = request.model ?? (known?.kind === 'client' ? (known.key.defaultModel ?? undefined) : tokenRoutes?.defaultModel);
    if (model === undefined) throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    let routed = model;
    if (tokenRoutes) {
      routed = mappedModel(tokenRoutes.modelMap, model);
      if (!tokenAllows(tokenRoutes, routed)) throw modelNotAllowed(model);
    } else if (known?.kind === 'client' && known.key.modelMap) {
      routed = mappedModel(known.key.modelMap, model);
    }
    const plan = request.router.plan(routed, request.size);
    const provider = plan.routes[0]!.target.settings.id;
    const ownToken = this.deps.byokProviders.has(provider) && 'unknownToken' in request.identity ? request.identity.unknownToken : undefined;
    let caller = known;
    if (caller === undefined) {
      // A token the gateway does not know is only good as a BYOK provider's key.
      if (ownToken === undefined) return this.deps.authenticator.refuse(request.clientAddress());
      caller = byokCaller(ownToken);
    }
    return {
      requestId: request.requestId,
      startedAt: request.startedAt,
      endpoint: request.endpoint,
      caller,
      model,
      stream: request.stream,
      plan,
      ownKey: ownToken === undefined ? undefined : { secret: ownToken, label: caller.id },
      cancellation: request.cancellation,
      logBodies: this.deps.logBodies,
      // Only a client key has an allowlist to check these against.
      allowlistNames: caller.kind === 'client' ? [model, ...(routed === model ? [] : [routed]), ...(request.allowlistAliases?.(model) ?? [])] : NO_NAMES,
    };
  }

  /**
   * Lets the call through its key's allowlist and limits, or throws the 401/403/429 that stops it. `reservation`
   * prices the call before it runs, for a key with a dollar budget. Only what needs a store is waited for: a
   * BYOK provider's pool, a client key's limits.
   */
  admit(call: Call, reservation?: () => number): AdmittedCall | Promise<AdmittedCall> {
    const provider = call.plan.routes[0]!.target.settings.id;
    if (call.ownKey === undefined && this.deps.byokProviders.has(provider)) return this.admitWithoutOwnKey(call, provider, reservation);
    return this.admitCaller(call, provider, reservation);
  }

  /** A BYOK provider's call that brought no key of its own: admitted only when the provider has keys of the gateway's. */
  private async admitWithoutOwnKey(call: Call, provider: string, reservation: (() => number) | undefined): Promise<AdmittedCall> {
    if (!(await this.deps.hasPoolKeys(provider))) {
      throw new GatewayError(401, `Provider ${provider} takes your own ${provider} API key as the bearer token.`, { code: 'own_key_required' });
    }
    return this.admitCaller(call, provider, reservation);
  }

  private admitCaller(call: Call, provider: string, reservation: (() => number) | undefined): AdmittedCall | Promise<AdmittedCall> {
    const { caller, model } = call;
    if (caller.kind === 'client' && !call.allowlistNames.some((name) => allowsModel(caller.key, name))) throw modelNotAllowed(model);
    // Only client keys have limits to count against.
    if (caller.kind !== 'client') return call;
    const metered = { caller, requestId: call.requestId, endpoint: call.endpoint, model, provider, stream: call.stream, startedAt: call.startedAt, ticket: undefined as string | undefined, reservation };
    return this.deps.meter.admit(metered).then(() => ({ ...call, ticket: metered.ticket }));
  }
}
