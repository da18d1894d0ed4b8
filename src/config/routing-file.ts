import {
  formatConfigError,
  parseGatewayConfigDocument,
  readGatewayConfigFile,
  type ConfigFileError,
  type GatewayFileConfig,
  type ParsedConfig,
} from './file/index.js';
import type { KeyPoolConfig, ProviderSettings } from './load.js';
import type { ConfigurableProvider } from './provider-env.js';

/** The routing config (a file's, or an online edit's), validated and turned into upstream settings. */
export interface RoutingFile {
  /** The file it was read from; undefined for a document edited online. */
  path: string | undefined;
  config: GatewayFileConfig;
  /** The config as written (`${ENV}` references unresolved), in this gateway's format. */
  document: unknown;
  /** Where the config held `${ENV}` substitutions: shown masked. */
  secretPaths: string[];
  /** What was left out of an imported file, to be logged. */
  warnings: string[];
  /** The config's named upstreams, next to the environment's providers. */
  upstreams: ProviderSettings[];
  /** Per-key limits of the config's upstreams. */
  keyLimits: KeyPoolConfig['keyLimits'];
}

/** What a routing config is read against: the environment, its providers and the provider kinds that exist. */
export interface RoutingContext {
  env: Record<string, string | undefined>;
  /** Providers configured in the environment: targets may name them, upstreams may not reuse their names. */
  envProviders: readonly Pick<ProviderSettings, 'id'>[];
  definitions: Readonly<Record<string, ConfigurableProvider>>;
}

export type RoutingRead = { ok: true; routing: RoutingFile } | { ok: false; errors: ConfigFileError[] };

/** Reads and validates a config file; every mistake comes back with its path and line, nothing is half-applied. */
export function readRoutingFile(path: string, context: RoutingContext): RoutingRead {
  return resolveRouting(readGatewayConfigFile(path, parseOptions(context)), path, context);
}

/** Validates a config document (an online edit, a stored version) as a file's content would be. */
export function readRoutingDocument(document: unknown, context: RoutingContext): RoutingRead {
  return resolveRouting(parseGatewayConfigDocument(document, parseOptions(context)), undefined, context);
}

const parseOptions = (context: RoutingContext) => ({
  env: context.env,
  builtInProviders: context.envProviders.map((provider) => provider.id),
  providerKinds: Object.keys(context.definitions),
});

/**
 * Settings of the config file this version does not apply yet. A config that sets one is refused rather than run
 * without it, so an operator never believes a setting is in force when it is not.
 */
function settingsNotApplied(config: GatewayFileConfig): ConfigFileError[] {
  const paths: string[] = [];
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    if (upstream.paid) paths.push(`upstreams.${name}.paid`);
  }
  return paths.map((path) => ({ path, line: undefined, message: 'not supported by this version yet' }));
}

function resolveRouting(parsed: ParsedConfig, path: string | undefined, context: RoutingContext): RoutingRead {
  if (!parsed.ok) return parsed;
  const errors = settingsNotApplied(parsed.config);
  const upstreams: ProviderSettings[] = [];
  const keyLimits: KeyPoolConfig['keyLimits'] = {};
  for (const [name, upstream] of Object.entries(parsed.config.upstreams)) {
    if (context.envProviders.some((provider) => provider.id === name)) {
      errors.push({ path: `upstreams.${name}`, line: undefined, message: 'the name is already a provider configured in the environment' });
      continue;
    }
    upstreams.push({
      id: name,
      kind: upstream.type,
      baseUrl: upstream.base_url ?? context.definitions[upstream.type]?.env?.defaultBaseUrl ?? '',
      apiKeys: upstream.api_keys,
      models: Object.keys(upstream.models),
      modelMap: upstream.models,
      ...(upstream.timeout_ms === undefined ? {} : { timeoutMs: upstream.timeout_ms }),
      ...(upstream.api_version === undefined ? {} : { apiVersion: upstream.api_version }),
      ...(upstream.proxy === undefined ? {} : { proxy: upstream.proxy }),
      ...(Object.keys(upstream.headers).length === 0 ? {} : { headers: upstream.headers }),
      ...(upstream.cooldown_per_model ? { cooldownPerModel: true } : {}),
      ...(upstream.passthrough === undefined ? {} : { passthroughApis: upstream.passthrough }),
    });
    if (upstream.passthrough !== undefined && context.definitions[upstream.type]?.openAICompatible !== true) {
      errors.push({ path: `upstreams.${name}.passthrough`, line: undefined, message: `only an OpenAI-compatible upstream serves OpenAI's APIs itself, not type ${upstream.type}` });
    }
    if (upstream.key_limits !== undefined) keyLimits[name] = { rpm: upstream.key_limits.rpm, tpm: upstream.key_limits.tpm, maxConcurrent: upstream.key_limits.max_concurrent };
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    routing: {
      path,
      config: parsed.config,
      document: parsed.document,
      secretPaths: parsed.secretPaths,
      warnings: parsed.warnings.map(formatConfigError),
      upstreams,
      keyLimits,
    },
  };
}
