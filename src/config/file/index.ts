export { formatConfigError, formatConfigErrors, formatConfigPath, type ConfigFileError } from './errors.js';
export { maskDocument, maskSecret, maskSecrets, restoreMaskedSecrets } from './mask.js';
export {
  canonicalJson,
  configVersion,
  DEFAULT_CONFIG_FILE,
  parseGatewayConfigDocument,
  parseGatewayConfigText,
  readGatewayConfigFile,
  resolveConfigFilePath,
  type ConfigFileFormat,
  type ParseConfigOptions,
  type ParsedConfig,
} from './parse.js';
export {
  gatewayFileSchema,
  ROUTE_STRATEGIES,
  type ClientTokenConfig,
  type FallbacksConfig,
  type GatewayFileConfig,
  type RouteConfig,
  type RouteTarget,
  type UpstreamConfig,
} from './schema.js';
