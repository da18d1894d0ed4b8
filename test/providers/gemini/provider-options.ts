import type { GeminiProviderOptions } from '../../../src/providers/gemini/provider.js';
import type { UpstreamHttp } from '../../../src/upstream/http-client.js';
import { createMediaFetcher } from '../../../src/upstream/media-fetcher.js';

/** A Gemini provider's options for tests against a fake upstream at `baseUrl`: thoughts and search links shown, no tools added. */
export const geminiTestOptions = (http: UpstreamHttp, baseUrl: string, overrides: Partial<GeminiProviderOptions> = {}): GeminiProviderOptions => ({
  http,
  baseUrl,
  showThinking: true,
  searchModels: [],
  showSearchLink: true,
  codeExecution: false,
  urlContext: false,
  thinkingBudgetMap: {},
  fetchMedia: createMediaFetcher({ allowPrivateAddresses: true }),
  ...overrides,
});
