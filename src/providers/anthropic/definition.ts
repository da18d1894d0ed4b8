import { integer, stringList } from '../../config/env-values.js';
import { providerEnv } from '../../config/provider-env.js';
import type { ProviderDefinition } from '../definition.js';
import type { AnthropicOptions } from './options.js';
import { AnthropicProvider } from './provider.js';

const anthropicEnv = providerEnv({
  keyVariables: ['ANTHROPIC_API_KEY', 'ANTHROPIC_API_KEYS', 'CLAUDE_API_KEY'],
  urlVariables: ['ANTHROPIC_BASE_URL'],
  defaultBaseUrl: 'https://api.anthropic.com',
  variables: { ANTHROPIC_DEFAULT_MAX_TOKENS: integer(4096, 1, 1_000_000), ANTHROPIC_BETA: stringList() },
  options: (env): Pick<AnthropicOptions, 'defaultMaxTokens' | 'betaFeatures'> => ({ defaultMaxTokens: env.ANTHROPIC_DEFAULT_MAX_TOKENS, betaFeatures: env.ANTHROPIC_BETA }),
});

export const anthropicDefinition: ProviderDefinition<Pick<AnthropicOptions, 'defaultMaxTokens' | 'betaFeatures'>> = {
  kind: 'anthropic',
  env: anthropicEnv,
  aliases: ['claude'],
  modelFamilies: [/^claude-/],
  fallbackModels: ['claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'],
  create: (settings, { http }, options) => new AnthropicProvider({ id: settings.id, http, baseUrl: settings.baseUrl, ...options }),
};
