import { z } from 'zod';
import { stringList } from '../../config/env-values.js';
import { providerEnv } from '../../config/provider-env.js';
import type { ProviderDefinition } from '../definition.js';
import { type OpenAIEndpoint, OpenAICompatibleProvider } from '../openai-compatible/provider.js';

/** A stream event with no choices that only reports Azure's prompt filtering (many clients index choices[0]). */
const PROMPT_FILTER_ONLY = /^(?=.*"prompt_filter_results")(?=.*"choices"\s*:\s*\[\s*\])(?!.*"usage"\s*:\s*\{)/s;

const DEPLOYMENT_PATHS: Record<string, string> = { chat: 'chat/completions', embeddings: 'embeddings', completions: 'completions' };

/**
 * Where an Azure endpoint lives: the Responses API on the v1 path (the deployment goes in the body's `model`, no API
 * version), the others under their deployment.
 */
function azureEndpointUrl(resource: string, version: string, endpoint: OpenAIEndpoint, deployment: string | undefined): string {
  if (endpoint === 'models') return `${resource}/openai/models?${version}`;
  if (endpoint === 'responses') return `${resource}/openai/v1/responses`;
  return `${resource}/openai/deployments/${encodeURIComponent(deployment ?? '')}/${DEPLOYMENT_PATHS[endpoint]}?${version}`;
}

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
  openAICompatible: true,
  create: (settings, { http }, { apiVersion, deployments }) => {
    const resource = settings.baseUrl.replace(/\/openai$/, '');
    const version = `api-version=${encodeURIComponent(settings.apiVersion ?? apiVersion)}`;
    return new OpenAICompatibleProvider({
      id: settings.id,
      baseUrl: resource,
      http,
      authHeaders: (apiKey) => ({ 'api-key': apiKey }),
      endpointUrl: (endpoint, deployment) => azureEndpointUrl(resource, version, endpoint, deployment),
      ownApis: settings.passthroughApis ?? ['responses', 'completions'],
      skipStreamEvent: (payload) => PROMPT_FILTER_ONLY.test(payload),
      staticModels: deployments,
    });
  },
};
