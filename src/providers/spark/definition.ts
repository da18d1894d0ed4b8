import { compatibleDefinition } from '../openai-compatible/definition.js';
import type { EmbeddedErrorRule } from '../openai-compatible/errors.js';

const SPARK_MODELS = ['lite', 'generalv3', 'pro-128k', 'generalv3.5', 'max-32k', '4.0Ultra'];

/** Spark's error codes that mean something particular (its docs' tables). */
const STATUS_BY_CODE: Record<number, number> = { 10013: 400, 10014: 400, 10019: 400, 10163: 400, 10907: 400, 11200: 403, 11201: 429, 11202: 429, 11203: 429 };

/** Spark answers with `code` and `message` on every body; a non-zero code is an error even with HTTP 200. */
export const sparkEmbeddedError: EmbeddedErrorRule = {
  marker: /"code"\s*:\s*[1-9]/,
  read(answer) {
    const { code, message } = (answer ?? {}) as { code?: unknown; message?: unknown };
    if (typeof code !== 'number' || code === 0) return undefined;
    return { code, message: typeof message === 'string' ? message : '' };
  },
  statusOf: (code) => STATUS_BY_CODE[code] ?? 500,
  keyProblemOf: (code) => (code === 11200 ? 'invalid' : code === 11201 ? 'quota_exhausted' : undefined),
};

/**
 * iFlytek Spark's OpenAI-compatible HTTP API (`spark/<model>`, bare Spark model names). The credential is the
 * console's APIPassword, or `APIKey:APISecret`, as a bearer token. Spark has no model list endpoint.
 */
export const sparkDefinition = compatibleDefinition({
  kind: 'spark',
  env: {
    // The console's APIPassword, or the APIKey and APISecret pair that Spark also accepts as `key:secret`.
    keyVariables: ['SPARK_API_PASSWORD', 'SPARK_API_PASSWORDS'],
    keyPairVariables: ['SPARK_API_KEY', 'SPARK_API_SECRET'],
    urlVariables: ['SPARK_BASE_URL'],
    defaultBaseUrl: 'https://spark-api-open.xf-yun.com/v1',
  },
  aliases: ['xunfei', 'iflytek'],
  modelFamilies: [/^(?:lite|generalv3(?:\.5)?|pro-128k|max-32k|4\.0ultra)$/i],
  fallbackModels: SPARK_MODELS,
  adjustments: {
    embeddedError: sparkEmbeddedError,
    staticModels: SPARK_MODELS,
    // Spark reports usage in its last chunk on its own; its parameter list has no stream_options.
    acceptsStreamOptions: false,
  },
});
