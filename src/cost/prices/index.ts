import type { PriceEntries } from '../price-schema.js';
import { ANTHROPIC_PRICES } from './anthropic.js';
import { DASHSCOPE_PRICES } from './dashscope.js';
import { DEEPSEEK_PRICES } from './deepseek.js';
import { GEMINI_PRICES } from './gemini.js';
import { MINIMAX_PRICES } from './minimax.js';
import { OLLAMA_PRICES } from './ollama.js';
import { OPENAI_PRICES } from './openai.js';
import { SPARK_PRICES } from './spark.js';
import { ZHIPU_PRICES } from './zhipu.js';

/**
 * The prices the gateway ships, by model name. DashScope (Qwen), Zhipu (GLM), MiniMax and Spark bill their default
 * endpoints in CNY: their entries say `currency: CNY` and are converted at CNY_PER_USD when the price table is built.
 *
 * - Azure: a deployment named after its model (`gpt-4o`) falls through to OpenAI's price, which is what Azure's
 *   Global Standard deployments list ($2.50 / $10 per million for GPT-4o, $1.25 cached, as OpenAI). Data Zone,
 *   Regional and provisioned deployments were not checked; a deployment named otherwise is priced in the config file.
 * - Ollama runs on the operator's machine and is free; its cloud models are not (see `ollama.ts`).
 * - Hugging Face is unpriced: its Inference Providers bill by compute time, not by token. Embeddings computed
 *   in-process cost nothing, but they share the provider kind with the router, so an operator prices them
 *   (`huggingface/<model>: { input: 0, output: 0 }`) in the config file.
 */
export const SHIPPED_PRICES: PriceEntries = {
  ...OPENAI_PRICES,
  ...ANTHROPIC_PRICES,
  ...GEMINI_PRICES,
  ...DEEPSEEK_PRICES,
  ...DASHSCOPE_PRICES,
  ...ZHIPU_PRICES,
  ...MINIMAX_PRICES,
  ...SPARK_PRICES,
  ...OLLAMA_PRICES,
};
