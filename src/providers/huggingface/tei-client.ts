import { z } from 'zod';
import type { Cancellation } from '../../core/cancellation.js';
import { UpstreamError } from '../../core/errors.js';
import type { UpstreamHttp } from '../../upstream/http-client.js';
import { readTeiError, teiUpstreamError } from './tei-errors.js';
import { parseJsonOrUndefined } from '../shared/upstream-body.js';

/** TEI's default `--max-client-batch-size`; a server configured lower says so, and the batches shrink to fit. */
export const TEI_DEFAULT_BATCH_SIZE = 32;
/** Batches in flight at once: TEI batches across requests itself, a few in parallel keep it busy. */
const CONCURRENT_BATCHES = 4;

const embedResponseSchema = z.array(z.array(z.number()));
const BATCH_LIMIT = /maximum allowed batch size (\d+)/;

export interface EmbeddingsAnswer {
  /** One vector per input, in input order. */
  vectors: number[][];
  /** TEI's own count (`x-compute-tokens`) when every answer carried it, an estimate otherwise. */
  promptTokens: number;
}

export interface TeiCall {
  apiKey: string | undefined;
  cancellation: Cancellation;
}

/**
 * A client for a text-embeddings-inference server (HF_TEI_URL): `POST /embed` with
 * `{"inputs": [...], "normalize": true, "truncate": true}`, answered with one float array per input. The model is
 * whatever the server was started with; the client's model name only labels the response.
 */
export class TeiClient {
  private readonly embedUrl: string;

  constructor(
    private readonly provider: string,
    private readonly http: UpstreamHttp,
    teiUrl: string,
    private readonly batchSize = TEI_DEFAULT_BATCH_SIZE,
  ) {
    this.embedUrl = `${teiUrl.replace(/\/+$/, '')}/embed`;
  }

  async embed(texts: readonly string[], call: TeiCall): Promise<EmbeddingsAnswer> {
    try {
      return await this.embedInBatches(texts, this.batchSize, call);
    } catch (error) {
      const limit = error instanceof UpstreamError ? BATCH_LIMIT.exec(error.message) : null;
      const smaller = limit ? Number(limit[1]) : 0;
      if (smaller > 0 && smaller < this.batchSize) return this.embedInBatches(texts, smaller, call);
      throw error;
    }
  }

  private async embedInBatches(texts: readonly string[], batchSize: number, call: TeiCall): Promise<EmbeddingsAnswer> {
    const batches: string[][] = [];
    for (let start = 0; start < texts.length; start += batchSize) batches.push(texts.slice(start, start + batchSize));
    const results: { vectors: number[][]; tokens: number | undefined }[] = new Array(batches.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (next < batches.length && failure === undefined) {
        const index = next++;
        try {
          results[index] = await this.embedBatch(batches[index]!, call);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_BATCHES, batches.length) }, worker));
    if (failure !== undefined) throw failure.error;
    const reported = results.every((result) => result.tokens !== undefined);
    return {
      vectors: results.flatMap((result) => result.vectors),
      promptTokens: reported ? results.reduce((sum, result) => sum + (result.tokens ?? 0), 0) : estimateTokens(texts),
    };
  }

  private async embedBatch(inputs: string[], call: TeiCall) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (call.apiKey !== undefined) headers.authorization = `Bearer ${call.apiKey}`;
    const response = await this.http.request(this.provider, {
      method: 'POST',
      url: this.embedUrl,
      headers,
      body: JSON.stringify({ inputs, normalize: true, truncate: true }),
      cancellation: call.cancellation,
      failure: (status, headers, text) => teiUpstreamError(this.provider, status, headers, text, call.apiKey),
    });
    const vectors = this.parseVectors(response.body, inputs.length);
    const tokens = Number(response.headers['x-compute-tokens']);
    return { vectors, tokens: Number.isInteger(tokens) && tokens >= 0 ? tokens : undefined };
  }

  private parseVectors(body: string, expected: number): number[][] {
    const vectors = embedResponseSchema.safeParse(parseJsonOrUndefined(body));
    if (!vectors.success) {
      const { error } = readTeiError(body);
      throw new UpstreamError(this.provider, 'protocol', 502, `The text-embeddings-inference server sent an unexpected answer${error ? `: ${error}` : '.'}`, {
        code: 'upstream_invalid_response',
      });
    }
    if (vectors.data.length !== expected) {
      throw new UpstreamError(this.provider, 'protocol', 502, `The text-embeddings-inference server returned ${vectors.data.length} embeddings for ${expected} inputs.`, {
        code: 'upstream_invalid_response',
      });
    }
    return vectors.data;
  }
}

/**
 * Prompt tokens when TEI did not report them (its `x-compute-tokens` header is missing, e.g. behind a proxy that
 * drops it): about 4 characters per token for English, counted in UTF-8 bytes so CJK text (3 bytes a character,
 * about a token each for BERT-style vocabularies) comes out closer; plus [CLS] and [SEP].
 */
export function estimateTokens(texts: readonly string[]): number {
  return texts.reduce((sum, text) => sum + Math.ceil(Buffer.byteLength(text, 'utf8') / 4) + 2, 0);
}
