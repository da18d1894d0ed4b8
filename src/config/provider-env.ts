import type { z } from 'zod';

/** The gateway's own settings that a provider's settings may fall back on. */
export interface CommonSettings {
  /** TIME_OUT, in milliseconds. */
  upstreamTimeoutMs: number;
}

/**
 * What a provider reads from the environment, declared in the provider's own folder. Several names are accepted
 * per setting because our users arrive with `.env` files from different older gateways; keys from every key
 * variable are merged, and the first URL variable that is set wins. A provider is enabled by a key, or, for those
 * that can run without one (a local Ollama, local embeddings), by one of `enabledBy`.
 */
export interface ProviderEnv<Options = unknown> {
  keyVariables: readonly string[];
  /** A key variable and a secret variable that together make one credential, `key:secret` (iFlytek Spark). */
  keyPairVariables?: readonly [string, string];
  urlVariables: readonly string[];
  /**
   * A key kept out of the rotation for calls that need billing (gemini-balance's PAID_KEY): calls whose endpoint
   * needs it (see `CallPlan.needsBilling`) go out with it, every other call with the pool's keys.
   */
  paidKeyVariable?: string;
  defaultBaseUrl: string;
  /** Variables that enable the provider without a key. */
  enabledBy?: readonly string[];
  /** The variables of the provider's own settings, each with how its text is read and checked. */
  variables?: Readonly<Record<string, z.ZodType>>;
  /** The provider's settings, from its checked variables. */
  options?(values: Readonly<Record<string, unknown>>, common: CommonSettings): Options;
}

/** A provider as configuration sees it: its name, and what it reads from the environment (if anything). */
export interface ConfigurableProvider {
  kind: string;
  env?: ProviderEnv | undefined;
  /** The upstream's rate limits are per model (see ProviderDefinition.limitsPerModel). */
  limitsPerModel?: boolean | undefined;
  /** Speaks OpenAI's protocol, so it may serve OpenAI's other APIs itself (an upstream's `passthrough` setting). */
  openAICompatible?: boolean | undefined;
}

type ValuesOf<Shape extends Record<string, z.ZodType>> = { [Name in keyof Shape]: z.output<Shape[Name]> };

/** A ProviderEnv whose `options` reads its own variables with their checked types. */
export function providerEnv<Shape extends Record<string, z.ZodType>, Options>(
  env: Omit<ProviderEnv, 'variables' | 'options'> & { variables: Shape; options(values: ValuesOf<Shape>, common: CommonSettings): Options },
): ProviderEnv<Options> {
  return { ...env, options: (values, common) => env.options(values as ValuesOf<Shape>, common) };
}
