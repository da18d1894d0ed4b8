import { z } from 'zod';
import { stringList } from '../../config/env-values.js';
import { providerEnv } from '../../config/provider-env.js';
import type { ProviderDefinition } from '../definition.js';
import { OpenAICompatibleProvider } from '../openai-compatible/provider.js';

/** A stream event with no choices that only reports Azure's prompt filtering (many clients index choices[0]). */
const PROMPT_FILTER_ONLY = /^(?=.*"prompt_filter_results")(?=.*"choices"\s*:\s*\[\s*\])(?!.*"usage"\s*:\s*\{)/s;

/**
 * Azure OpenAI: `azure/<deployment>`. The deployment is part of the URL (the body's model is ignored), the
 * API version is a query parameter, and the key goes in `api-key`.
 */
export const azureDefinition: ProviderDefinition<{ apiVersion: string; deployments: string[] }> = {
  kind: 'azure',
  env: providerEnv({
    keyVariables: ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_API_KEYS'],
    // The resource endpoint, https://<resource>.openai.azure.com; required with a key.
    urlVariables: ['AZURE_OPENAI_ENDPOINT'],
    defaultBaseUrl: '',
    variables: {
      AZURE_OPENAI_API_VERSION: z.preprocess((value) => (value === undefined || String(value).trim() === '' ? '2024-10-21' : String(value).trim()), z.string()),
      AZURE_OPENAI_DEPLOYMENTS: stringList(),
    },
    options: (env) => ({ apiVersion: env.AZURE_OPENAI_API_VERSION, deployments: env.AZURE_OPENAI_DEPLOYMENTS }),
  }),
  aliases: [],
  modelFamilies: [],
  fallbackModels: [],
  create: (settings, { http }, { apiVersion, deployments }) => {
    const resource = settings.baseUrl.replace(/\/openai$/, '');
    const version = `api-version=${encodeURIComponent(settings.apiVersion ?? apiVersion)}`;
    return new OpenAICompatibleProvider({
      id: settings.id,
      baseUrl: resource,
      http,
      authHeaders: (apiKey) => ({ 'api-key': apiKey }),
      endpointUrl: (endpoint, deployment) =>
        endpoint === 'models'
          ? `${resource}/openai/models?${version}`
          : `${resource}/openai/deployments/${encodeURIComponent(deployment ?? '')}/${endpoint === 'chat' ? 'chat/completions' : 'embeddings'}?${version}`,
      skipStreamEvent: (payload) => PROMPT_FILTER_ONLY.test(payload),
      staticModels: deployments,
    });
  },
};
