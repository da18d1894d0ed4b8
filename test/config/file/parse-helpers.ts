import { formatConfigError, parseGatewayConfigText, type GatewayFileConfig } from '../../../src/config/file/index.js';

export const BUILT_IN_PROVIDERS = ['gemini', 'openai', 'deepseek'] as const;
export const PROVIDER_KINDS = ['gemini', 'openai', 'deepseek', 'anthropic', 'azure', 'ollama', 'minimax', 'dashscope', 'zhipu', 'spark', 'huggingface', 'openai-compatible'];

export function parseConfig(text: string, env: Record<string, string | undefined> = {}, fileName?: string) {
  return parseGatewayConfigText(text, { env, builtInProviders: BUILT_IN_PROVIDERS, providerKinds: PROVIDER_KINDS, ...(fileName ? { fileName } : {}) });
}

/** The formatted errors of a text that must be refused. */
export function errorsOf(text: string, env: Record<string, string | undefined> = {}, fileName?: string): string[] {
  const parsed = parseConfig(text, env, fileName);
  if (parsed.ok) throw new Error('the config was accepted');
  return parsed.errors.map(formatConfigError);
}

export function configOf(text: string, env: Record<string, string | undefined> = {}, fileName?: string): GatewayFileConfig {
  const parsed = parseConfig(text, env, fileName);
  if (!parsed.ok) throw new Error(`the config was refused:\n${parsed.errors.map(formatConfigError).join('\n')}`);
  return parsed.config;
}
