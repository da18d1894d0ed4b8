import { modelNotFound } from '../../core/errors.js';
import type { UpstreamHttp } from '../../upstream/http-client.js';
import { OpenAICompatibleProvider } from '../openai-compatible/provider.js';
import type { EmbeddingsCall, JsonResult } from '../types.js';
import { embeddingTexts } from './embedding-inputs.js';
import { type EmbeddingFormat, embeddingItemsJson, openAIEmbeddingsBody } from './embedding-response.js';
import { LocalEmbedder } from './local-embedder.js';
import { TeiClient } from './tei-client.js';

export const HUGGING_FACE_ROUTER_URL = 'https://router.huggingface.co/v1';

export interface HuggingFaceOptions {
  /** The configured provider name, `huggingface` for the built-in one. */
  id: string;
  http: UpstreamHttp;
  /**
   * Chat completions and the model list (HF_BASE_URL): Hugging Face's OpenAI-compatible Inference Providers router
   * by default, or a self-hosted TGI or vLLM (`http://host:8080/v1`). The pool's keys (HF_TOKEN, HF_TOKENS,
   * HUGGINGFACE_API_KEY) go to it as `Authorization: Bearer`.
   */
  baseUrl?: string;
  /**
   * HF_TEI_URL: a text-embeddings-inference server (`http://host:8080`, no `/embed`) that serves embeddings for
   * every model name; the server runs one model, so the name only labels the answer. The pool's key, if any, is
   * sent as `Authorization: Bearer`: what a Hugging Face Inference Endpoint or a TEI started with `--api-key`
   * expects. When set, local embeddings are not used.
   */
  teiUrl?: string;
  /**
   * HF_MODELS_DIR: where local models live for in-process embeddings, one directory per model name
   * (`<dir>/sentence-transformers/all-MiniLM-L6-v2/` with config.json, tokenizer.json, onnx/model.onnx and, when
   * present, the sentence-transformers files that decide pooling and normalisation).
   */
  modelsDir?: string;
  /** HF_ALLOW_DOWNLOADS: fetch a model missing from HF_MODELS_DIR from the Hugging Face Hub into it. Off by default. */
  allowDownloads?: boolean;
  /** HF_ENDPOINT, the Hub mirror to download from (https://huggingface.co by default). */
  hubUrl?: string;
  /** The token those downloads authenticate with (gated models); the definition passes the pool's first key. */
  hubToken?: string;
  /** The local embedder to use; by default the provider starts its own (on the first local request) and closes it. */
  embedder?: LocalEmbedder;
}

/**
 * Hugging Face: chat and models through the OpenAI-compatible base (the router, or a TGI/vLLM server); embeddings
 * from a TEI server when HF_TEI_URL is set, otherwise computed in-process from the models in HF_MODELS_DIR.
 */
export class HuggingFaceProvider extends OpenAICompatibleProvider {
  private readonly tei: TeiClient | undefined;
  private readonly modelsDir: string | undefined;
  private readonly allowDownloads: boolean;
  private readonly hubUrl: string | undefined;
  private readonly hubToken: string | undefined;
  private embedder: LocalEmbedder | undefined;
  private readonly ownsEmbedder: boolean;

  constructor(options: HuggingFaceOptions) {
    super({ id: options.id, baseUrl: options.baseUrl ?? HUGGING_FACE_ROUTER_URL, http: options.http });
    this.tei = options.teiUrl ? new TeiClient(options.id, options.http, options.teiUrl) : undefined;
    this.modelsDir = options.modelsDir;
    this.allowDownloads = options.allowDownloads ?? false;
    this.hubUrl = options.hubUrl;
    this.hubToken = options.hubToken;
    this.embedder = options.embedder;
    this.ownsEmbedder = options.embedder === undefined;
  }

  override async embeddings(call: EmbeddingsCall): Promise<JsonResult> {
    const texts = embeddingTexts(call.request);
    const format: EmbeddingFormat = { encoding: call.request.encoding_format ?? 'float', dimensions: call.request.dimensions };
    if (this.tei) {
      const answer = await this.tei.embed(texts, call);
      return openAIEmbeddingsBody([embeddingItemsJson(answer.vectors, 0, format)], call.upstreamModel, answer.promptTokens);
    }
    const local = await this.localEmbedder(call.upstreamModel).embed(call.upstreamModel, texts, format, call.cancellation);
    return openAIEmbeddingsBody(local.items, call.upstreamModel, local.promptTokens);
  }

  /** Stops the local embedding worker if this provider started one. */
  async close(): Promise<void> {
    if (this.ownsEmbedder) await this.embedder?.close();
  }

  private localEmbedder(model: string): LocalEmbedder {
    if (this.embedder === undefined) {
      if (this.modelsDir === undefined) {
        throw modelNotFound(model, 'Hugging Face embeddings need HF_TEI_URL (a text-embeddings-inference server) or HF_MODELS_DIR (local models).');
      }
      this.embedder = new LocalEmbedder({ modelsDir: this.modelsDir, allowDownloads: this.allowDownloads, hubUrl: this.hubUrl, hubToken: this.hubToken });
    }
    return this.embedder;
  }
}
