import type { ProviderDefinition } from '../definition.js';
import { OpenAICompatibleProvider } from '../openai-compatible/provider.js';
import type { EmbeddedErrorRule } from '../openai-compatible/errors.js';

/** MiniMax's status codes (base_resp.status_code) that mean something particular. */
const STATUS_BY_CODE: Record<number, number> = { 1002: 429, 1004: 401, 1008: 429, 1039: 429, 1026: 400, 1027: 400, 2013: 400, 2049: 401 };

/** MiniMax answers some errors with HTTP 200 and a non-zero `base_resp.status_code`. */
export const minimaxEmbeddedError: EmbeddedErrorRule = {
  marker: /"status_code"\s*:\s*[1-9]/,
  read(answer) {
    const base = (answer as { base_resp?: { status_code?: unknown; status_msg?: unknown } } | null)?.base_resp;
    if (!base || typeof base.status_code !== 'number' || base.status_code === 0) return undefined;
    return { code: base.status_code, message: typeof base.status_msg === 'string' ? base.status_msg : '' };
  },
  statusOf: (code) => STATUS_BY_CODE[code] ?? 500,
  keyProblemOf: (code) => (code === 1004 || code === 2049 ? 'invalid' : code === 1008 ? 'quota_exhausted' : undefined),
};

/**
 * MiniMax's OpenAI-compatible API (`minimax/…`, the older `minmax/…`, bare `MiniMax-*` and `abab*`). Its reasoning
 * models put their thinking inside `<think>` tags in the content unless asked to separate it; the gateway asks
 * (`reasoning_split`, when the client did not say), so thinking arrives as `reasoning_content` like DeepSeek's.
 */
export const minimaxDefinition: ProviderDefinition = {
  kind: 'minimax',
  env: {
    // MINMAX_* is the older gateways' (mis)spelling.
    keyVariables: ['MINIMAX_API_KEY', 'MINIMAX_API_KEYS', 'MINMAX_API_KEY'],
    urlVariables: ['MINIMAX_BASE_URL', 'MINIMAX_API_URL', 'MINMAX_API_URL'],
    defaultBaseUrl: 'https://api.minimaxi.com/v1',
  },
  aliases: ['minmax'],
  modelFamilies: [/^minimax-/i, /^abab/],
  fallbackModels: ['MiniMax-M2', 'MiniMax-Text-01'],
  create: (settings, { http }) =>
    new OpenAICompatibleProvider({
      id: settings.id,
      baseUrl: settings.baseUrl.replace(/\/text$/, ''),
      http,
      embeddedError: minimaxEmbeddedError,
      chatDefaults: { reasoning_split: true },
    }),
};
