import test from 'ava';
import { AuthThrottle } from '../../src/access/identity/auth-throttle.js';
import { Authenticator } from '../../src/access/identity/authenticator.js';
import { TokenVerifier } from '../../src/access/identity/token-verifier.js';
import { ClientKeys } from '../../src/access/client-keys/client-key-service.js';
import { MemoryClientKeyStore } from '../../src/access/client-keys/client-key-store.js';
import { MemoryLimitStore } from '../../src/access/limits/memory-limit-store.js';
import { WindowClock } from '../../src/access/limits/time-windows.js';
import { UsageMeter } from '../../src/access/metering/usage-meter.js';
import { MemoryStatsStore } from '../../src/access/stats/stats-store.js';
import { CallStarter, type CallRequest, type Identity } from '../../src/calls/start-call.js';
import { CancellationSource } from '../../src/core/cancellation.js';
import { GatewayError, modelNotFound } from '../../src/core/errors.js';
import { createLogger } from '../../src/logging/logger.js';
import { MemoryLogStore } from '../../src/logging/memory-log-store.js';
import type { ConfiguredProvider } from '../../src/providers/registry.js';

const TOKEN = 'sk-configured-token-for-start-call';

/** Routes `pooled/*` and `byok/*` to providers of those names; anything else is unknown. */
const router = {
  plan(model: string) {
    const [provider, rest] = model.split('/');
    if ((provider !== 'pooled' && provider !== 'byok') || rest === undefined) throw modelNotFound(model);
    return { routes: [{ target: { settings: { id: provider } } as ConfiguredProvider, upstreamModel: rest }] };
  },
};

async function setUp() {
  const limits = new MemoryLimitStore();
  const clientKeys = new ClientKeys(new MemoryClientKeyStore(), limits);
  const authenticator = new Authenticator(new TokenVerifier([TOKEN], undefined), clientKeys, new AuthThrottle(5, 60_000));
  const meter = new UsageMeter({ limits, stats: new MemoryStatsStore(), logs: new MemoryLogStore({ retentionMs: 60_000, maxRecords: 100 }), clock: new WindowClock('UTC'), logger: createLogger('silent'), staleAfterMs: 60_000 });
  const starter = new CallStarter({ authenticator, meter, byokProviders: new Set(['byok']), hasPoolKeys: async (provider) => provider === 'pooled', logBodies: false });
  const identify = async (token: string): Promise<Identity> => authenticator.identify(token, () => '127.0.0.1', true);
  const request = (identity: Identity, model: string | undefined, extra: Partial<CallRequest> = {}): CallRequest => ({
    requestId: 'req-1',
    startedAt: Date.now(),
    endpoint: 'chat',
    identity,
    clientAddress: () => '127.0.0.1',
    model,
    stream: false,
    router,
    cancellation: new CancellationSource(),
    ...extra,
  });
  return { starter, clientKeys, identify, request, close: () => meter.close() };
}

test('a configured token’s call: the route, the caller, no own key', async (t) => {
  const { starter, identify, request, close } = await setUp();
  t.teardown(close);
  const started = starter.start(request(await identify(TOKEN), 'pooled/model-a'));
  t.false(started instanceof Promise, 'nothing to wait for: the call is started at once');
  const call = await started;
  t.is(call.model, 'pooled/model-a');
  t.is(call.plan.routes[0]!.target.settings.id, 'pooled');
  t.is(call.plan.routes[0]!.upstreamModel, 'model-a');
  t.is(call.caller.kind, 'token');
  t.is(call.ownKey, undefined);
  const admission = starter.admit(call);
  t.false(admission instanceof Promise, 'a configured token has no limits to wait for');
  const admitted = await admission;
  t.is(admitted.ticket, undefined, 'configured tokens are not counted');
});

test('a request without a model takes the client key’s default model, and is refused without one', async (t) => {
  const { starter, clientKeys, identify, request, close } = await setUp();
  t.teardown(close);
  const { secret } = await clientKeys.create({ name: 'defaulted', default_model: 'pooled/model-b' });
  const call = await starter.start(request(await identify(secret), undefined));
  t.is(call.model, 'pooled/model-b');
  // What the request alone tells is thrown at once, without a turn of the event loop.
  const missingModel = request(await identify(TOKEN), undefined);
  const missing = t.throws(() => starter.start(missingModel), { instanceOf: GatewayError })!;
  t.is(missing.status, 400);
  t.is(missing.code, 'missing_required_parameter');
});

test('an unknown token is a BYOK provider’s key, labelled by a hash, and refused anywhere else', async (t) => {
  const { starter, identify, request, close } = await setUp();
  t.teardown(close);
  const own = 'sk-somebody-own-upstream-key-000000000';
  const call = await starter.start(request(await identify(own), 'byok/model-c'));
  t.is(call.caller.kind, 'byok');
  t.deepEqual(call.ownKey, { secret: own, label: call.caller.id });
  t.regex(call.caller.id, /^byok:[0-9a-f]{8}$/);
  const refusedRequest = request(await identify(own), 'pooled/model-a');
  const refused = await t.throwsAsync(async () => starter.start(refusedRequest), { instanceOf: GatewayError });
  t.is(refused.status, 401);
  const elsewhere = request(await identify(TOKEN), 'elsewhere/model');
  const unknownModel = t.throws(() => starter.start(elsewhere), { instanceOf: GatewayError })!;
  t.is(unknownModel.status, 404);
});

test('admission: a BYOK provider without pool keys needs the caller’s own key', async (t) => {
  const { starter, identify, request, close } = await setUp();
  t.teardown(close);
  const call = await starter.start(request(await identify(TOKEN), 'byok/model-c'));
  const refused = await t.throwsAsync(async () => starter.admit(call), { instanceOf: GatewayError });
  t.is(refused.status, 401);
  t.is(refused.code, 'own_key_required');
});

test('admission: the allowlist, with the aliases a route adds, and the key’s limits', async (t) => {
  const { starter, clientKeys, identify, request, close } = await setUp();
  t.teardown(close);
  const { secret } = await clientKeys.create({ name: 'narrow', models: ['gemini/model-a'], limits: { rpm: 1 } });
  const outside = await starter.start(request(await identify(secret), 'pooled/model-a'));
  const notAllowed = t.throws(() => starter.admit(outside), { instanceOf: GatewayError })!;
  t.is(notAllowed.status, 403);
  t.is(notAllowed.code, 'model_not_allowed');

  const aliased = await starter.start(request(await identify(secret), 'pooled/model-a', { allowlistAliases: () => ['gemini/model-a'] }));
  const admitted = await starter.admit(aliased);
  t.is(typeof admitted.ticket, 'string');
  const overLimit = await t.throwsAsync(async () => starter.admit(aliased), { instanceOf: GatewayError });
  t.is(overLimit.status, 429);
  t.is(overLimit.code, 'rate_limit_exceeded');
});
