import { baseUrl, flag, optionalText } from '../../config/env-values.js';
import { ConfigError } from '../../config/load.js';
import { providerEnv } from '../../config/provider-env.js';
import type { ProviderDefinition } from '../definition.js';
import { missingLocalEmbeddingRuntime } from './local-runtime.js';
import { HuggingFaceProvider } from './provider.js';

interface HuggingFaceSettings {
  teiUrl: string | undefined;
  modelsDir: string | undefined;
  allowDownloads: boolean;
  hubUrl: string | undefined;
}

/**
 * Hugging Face (`huggingface/<org>/<model>`, `hf/…`): chat through the OpenAI-compatible inference router (or a
 * self-hosted TGI or vLLM at HF_BASE_URL); embeddings from a TEI server or computed in-process.
 */
export const huggingfaceDefinition: ProviderDefinition<HuggingFaceSettings> = {
  kind: 'huggingface',
  env: providerEnv({
    keyVariables: ['HF_TOKEN', 'HF_TOKENS', 'HUGGINGFACE_API_KEY'],
    urlVariables: ['HF_BASE_URL'],
    defaultBaseUrl: 'https://router.huggingface.co/v1',
    enabledBy: ['HF_TEI_URL', 'HF_MODELS_DIR'],
    // Embeddings: a Text Embeddings Inference server, or local ONNX models in a directory.
    variables: { HF_TEI_URL: baseUrl(undefined, ['/embed']), HF_MODELS_DIR: optionalText(), HF_ALLOW_DOWNLOADS: flag(false), HF_ENDPOINT: baseUrl(undefined) },
    options: (env) => {
      // Local models are computed in-process only without a TEI server; their runtime is an extra install.
      const missing = env.HF_MODELS_DIR !== undefined && env.HF_TEI_URL === undefined ? missingLocalEmbeddingRuntime() : undefined;
      if (missing !== undefined) throw new ConfigError(missing);
      return { teiUrl: env.HF_TEI_URL, modelsDir: env.HF_MODELS_DIR, allowDownloads: env.HF_ALLOW_DOWNLOADS, hubUrl: env.HF_ENDPOINT };
    },
  }),
  aliases: ['hf'],
  modelFamilies: [],
  fallbackModels: [],
  allowsKeyless: true,
  create: (settings, { http }, options) => new HuggingFaceProvider({ id: settings.id, baseUrl: settings.baseUrl, http, hubToken: settings.apiKeys[0], ...options }),
};
