import { encodeEmbeddingBase64 } from '../../core/embedding-encoding.js';
import { invalidRequest } from '../../core/errors.js';
import { tokenUsage } from '../../core/usage.js';
import type { JsonResult } from '../types.js';

/** How the client wants its vectors: OpenAI's `encoding_format` and `dimensions`. */
export interface EmbeddingFormat {
  encoding: 'float' | 'base64';
  /** Vectors are cut to this length and scaled back to unit length; null or undefined keeps them whole. */
  dimensions: number | null | undefined;
}

/**
 * A Matryoshka-style shortened embedding, the way OpenAI's text-embedding-3 models treat `dimensions`: the first
 * `dimensions` values, L2-normalised again so cosine similarity and dot product stay interchangeable.
 */
export function shortenEmbedding(vector: ArrayLike<number>, dimensions: number): number[] {
  if (dimensions > vector.length) {
    throw invalidRequest(
      `This model produces ${vector.length}-dimensional embeddings; \`dimensions\` must be at most ${vector.length}, got ${dimensions}.`,
      'dimensions',
      'invalid_value',
    );
  }
  const shortened = Array.from({ length: dimensions }, (_, index) => vector[index]!);
  const norm = Math.hypot(...shortened);
  return norm > 0 ? shortened.map((value) => value / norm) : shortened;
}

/**
 * The `data` items of an OpenAI embeddings response for consecutive vectors, as comma-joined JSON. Serialising a
 * large float response is a visible cost (2048 × 1024 floats take about 0.3 s), so local embeddings do it in the
 * worker thread, batch by batch, and the body is assembled from the pieces.
 */
export function embeddingItemsJson(vectors: readonly ArrayLike<number>[], firstIndex: number, format: EmbeddingFormat): string {
  const { dimensions, encoding } = format;
  return vectors
    .map((vector, offset) => {
      const values = dimensions === null || dimensions === undefined ? Array.from(vector) : shortenEmbedding(vector, dimensions);
      const embedding = encoding === 'base64' ? `"${encodeEmbeddingBase64(values)}"` : JSON.stringify(values);
      return `{"object":"embedding","index":${firstIndex + offset},"embedding":${embedding}}`;
    })
    .join(',');
}

/** The OpenAI embeddings answer around the items (in order, from embeddingItemsJson), with its usage. */
export function openAIEmbeddingsBody(items: readonly string[], model: string, promptTokens: number): JsonResult {
  const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens };
  const body = `{"object":"list","data":[${items.filter((part) => part !== '').join(',')}],"model":${JSON.stringify(model)},"usage":${JSON.stringify(usage)}}`;
  return { kind: 'json', body, usage: tokenUsage({ prompt: promptTokens }) };
}
