import type { Cancellation } from '../../../src/core/cancellation.js';
import { type EmbeddingFormat, openAIEmbeddingsBody } from '../../../src/providers/huggingface/embedding-response.js';
import type { LocalEmbedder } from '../../../src/providers/huggingface/local-embedder.js';

const FLOATS: EmbeddingFormat = { encoding: 'float', dimensions: undefined };

export interface EmbeddedVectors {
  vectors: number[][];
  indexes: number[];
  promptTokens: number;
}

/** Embeds as floats and reads the vectors back out of the OpenAI body the provider would send. */
export async function embedVectors(embedder: LocalEmbedder, model: string, texts: readonly string[], cancellation?: Cancellation): Promise<EmbeddedVectors> {
  const { items, promptTokens } = await embedder.embed(model, texts, FLOATS, cancellation);
  const body = JSON.parse(openAIEmbeddingsBody(items, model, promptTokens).body) as { data: { index: number; embedding: number[] }[] };
  return { vectors: body.data.map((item) => item.embedding), indexes: body.data.map((item) => item.index), promptTokens };
}
