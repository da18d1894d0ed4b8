import { CancellationSource } from '../core/cancellation.js';
import type { KeyProbe } from '../keys/key-recovery.js';
import type { ConfiguredProvider } from '../providers/registry.js';
import type { ModelResolver } from './model-resolver.js';

const PROBE_TIMEOUT_MS = 20_000;

/**
 * How a key is checked: a one-token chat with TEST_MODEL when that model belongs to the key's provider (the
 * gemini-balance way), or with the provider's own probe model when it has no model list (Vertex express),
 * otherwise the provider's model list, which every supported upstream guards with the key.
 */
export function createKeyProbe(routes: () => { providers: readonly ConfiguredProvider[]; resolver: ModelResolver }, testModel: string | undefined): KeyProbe {
  return async (providerId, secret) => {
    const { providers, resolver } = routes();
    const target = providers.find((entry) => entry.settings.id === providerId);
    if (!target) throw new Error(`unknown provider ${providerId}`);
    const cancellation = CancellationSource.after(PROBE_TIMEOUT_MS);
    let route;
    try {
      route = testModel === undefined ? undefined : resolver.resolve(testModel);
    } catch {
      route = undefined;
    }
    const probeModel = testModel !== undefined && route?.target === target ? route.upstreamModel : target.definition.probeModel;
    if (probeModel !== undefined) {
      const result = await target.provider.chatCompletions({
        request: { model: probeModel, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 },
        rawBody: undefined,
        upstreamModel: probeModel,
        apiKey: secret,
        cancellation,
      });
      if (result.kind === 'stream') for await (const batch of result.events) void batch;
      return;
    }
    await target.provider.listModels({ apiKey: secret, cancellation });
  };
}
