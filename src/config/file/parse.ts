import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkCrossFields, unknownUpstreamKinds } from './cross-checks.js';
import { substituteEnvironment } from './env-substitution.js';
import { formatConfigPath, type ConfigFileError, type ConfigPath } from './errors.js';
import { convertOpenAiStyleApiConfig, isOpenAiStyleApiConfig } from './openai-style-api.js';
import { gatewayFileSchema, type GatewayFileConfig } from './schema.js';
import { parseConfigSource } from './source-lines.js';
import { schemaProblems } from './zod-issues.js';

export interface ParseConfigOptions {
  env: Record<string, string | undefined>;
  /** Provider ids a route target may name without an `upstreams:` entry. */
  builtInProviders: readonly string[];
  /** The provider kinds an upstream's `type` may name. */
  providerKinds: readonly string[];
  /** Only its name matters: a name ending in `model-config.json` is read as openai-style-api's format. */
  fileName?: string;
}

export type ParsedConfig =
  | {
      ok: true;
      config: GatewayFileConfig;
      /** The config as written, in this gateway's format (an imported file converted), `${ENV}` references unresolved. */
      document: unknown;
      secretPaths: string[];
      format: ConfigFileFormat;
      warnings: ConfigFileError[];
    }
  | { ok: false; errors: ConfigFileError[] };

export type ConfigFileFormat = 'gateway' | 'openai-style-api';

export const DEFAULT_CONFIG_FILE = 'gateway.yaml';

type LineOf = (at: ConfigPath) => number | undefined;

const NO_LINES: LineOf = () => undefined;

/** The whole validated config or every mistake found; nothing in between. */
export function parseGatewayConfigText(text: string, options: ParseConfigOptions): ParsedConfig {
  const parsed = parseConfigSource(text);
  if (!parsed.ok) return parsed;
  const { source } = parsed;
  const nativeByName = options.fileName !== undefined && path.basename(options.fileName).endsWith('model-config.json');
  return validateDocument(source.value, options, (at) => source.lineOf(at), nativeByName);
}

/** A config document already parsed (an online edit, a stored version): validated as a file's content would be. */
export function parseGatewayConfigDocument(document: unknown, options: Omit<ParseConfigOptions, 'fileName'>): ParsedConfig {
  return validateDocument(document, options, NO_LINES, false);
}

function validateDocument(value: unknown, options: ParseConfigOptions, sourceLineOf: LineOf, importByName: boolean): ParsedConfig {
  const format: ConfigFileFormat = importByName || isOpenAiStyleApiConfig(value) ? 'openai-style-api' : 'gateway';
  let document = value ?? {};
  let warnings: ConfigFileError[] = [];
  let lineOf = sourceLineOf;
  if (format === 'openai-style-api') {
    const converted = convertOpenAiStyleApiConfig(value);
    if (!converted.ok) return { ok: false, errors: sortByLine(converted.problems.map((problem) => toError(problem.path, problem.message, sourceLineOf))) };
    document = converted.config;
    warnings = sortByLine(converted.skipped.map((problem) => toError(problem.path, problem.message, sourceLineOf)));
    // Paths of a converted config are not paths of the file: their errors carry no line.
    lineOf = NO_LINES;
  }

  const substituted = substituteEnvironment(document, options.env);
  const errors: ConfigFileError[] = substituted.missing.map(({ path: at, name }) =>
    toError(at, `environment variable ${name} is not set`, lineOf),
  );
  errors.push(...unknownUpstreamKinds(substituted.value, options.providerKinds).map((problem) => toError(problem.path, problem.message, lineOf)));
  const validated = gatewayFileSchema.safeParse(substituted.value, { reportInput: true });
  if (!validated.success) {
    errors.push(...schemaProblems(validated.error.issues).map((problem) => toError(problem.path, problem.message, lineOf)));
  } else {
    errors.push(...checkCrossFields(validated.data, options.builtInProviders).map((problem) => toError(problem.path, problem.message, lineOf)));
  }
  if (errors.length > 0 || !validated.success) return { ok: false, errors: sortByLine(errors) };
  return { ok: true, config: validated.data, document, secretPaths: substituted.secretPaths, format, warnings };
}

/** Reads and parses a config file; a file that cannot be read is one error. */
export function readGatewayConfigFile(filePath: string, options: Omit<ParseConfigOptions, 'fileName'>): ParsedConfig {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, errors: [{ path: '', line: undefined, message: `cannot read the config file ${filePath}: ${reason}` }] };
  }
  return parseGatewayConfigText(text, { ...options, fileName: filePath });
}

/** `CONFIG_FILE` when set, else `gateway.yaml` in the working directory when it exists, else none. */
export function resolveConfigFilePath(env: Record<string, string | undefined>, workingDirectory: string): string | undefined {
  const configured = env.CONFIG_FILE?.trim();
  if (configured) return path.resolve(workingDirectory, configured);
  const fallback = path.join(workingDirectory, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}

/**
 * A short hash of a config (validated, or a document as written), the same however it is formatted (YAML, JSON,
 * key order, comments).
 */
export function configVersion(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function toError(at: ConfigPath, message: string, lineOf: (at: ConfigPath) => number | undefined): ConfigFileError {
  return { path: formatConfigPath(at), line: lineOf(at), message };
}

function sortByLine(errors: ConfigFileError[]): ConfigFileError[] {
  return errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => (a.error.line ?? Infinity) - (b.error.line ?? Infinity) || a.index - b.index)
    .map(({ error }) => error);
}
