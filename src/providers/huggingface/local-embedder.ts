import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Cancellation } from '../../core/cancellation.js';
import { GatewayError, invalidRequest, modelNotFound, RequestAbortedError } from '../../core/errors.js';
import type { EmbeddingFormat } from './embedding-response.js';
import { DEFAULT_HUB_URL } from './hub-files.js';
import { inspectModelDirectory, modelDirectoryOf, type WeightDtype } from './model-directory.js';
import type { EmbedBatchFailure, EmbedBatchRequest, EmbeddingWorkerSettings, FromEmbeddingWorker, ModelSpec, ToEmbeddingWorker } from './worker-protocol.js';

/**
 * Texts per inference call. Padding makes a batch cost what its longest text costs times its size, so small batches
 * waste less on mixed lengths and let concurrent requests take turns; 32 is sentence-transformers' default
 * `encode()` batch size and TEI's default client batch limit.
 */
export const DEFAULT_BATCH_SIZE = 32;

/** How long close() lets the worker release its models before it is terminated. */
const CLOSE_GRACE_MS = 5_000;

export interface LocalEmbedderOptions {
  /** HF_MODELS_DIR: model `org/name` is loaded from `<modelsDir>/org/name`. */
  modelsDir: string;
  /** HF_ALLOW_DOWNLOADS: fetch a missing model from the Hugging Face Hub into modelsDir. Off by default. */
  allowDownloads?: boolean;
  /** HF_ENDPOINT: where downloads come from, the Hub unless a mirror is named. */
  hubUrl?: string;
  /** The token downloads authenticate with. */
  hubToken?: string;
  batchSize?: number;
  /** ONNX Runtime threads per inference; by default all cores but one, which stays with the gateway. */
  intraOpThreads?: number;
  /** The worker's script; the real one beside this module unless a test substitutes its own. */
  workerScript?: URL;
}

export interface LocalEmbeddings {
  /** The response's `data` items, one comma-joined JSON piece per batch, in order (for openAIEmbeddingsBody). */
  items: string[];
  /** Tokens the model saw, [CLS]/[SEP] included and after truncation, as the tokenizer counted them. */
  promptTokens: number;
}

interface PendingBatch {
  resolve(result: { items: string; tokenCount: number }): void;
  reject(error: Error): void;
  model: string;
}

/**
 * Local embeddings with @huggingface/transformers in a worker thread. The worker starts on first use, keeps every
 * model it loaded, and is replaced when it dies: requests in flight then fail with a 500, the next one starts a new
 * worker. Large inputs go in batches, one message each, so concurrent requests interleave batch by batch.
 */
export class LocalEmbedder {
  private readonly modelsDir: string;
  private readonly allowDownloads: boolean;
  private readonly batchSize: number;
  private readonly settings: EmbeddingWorkerSettings;
  private readonly workerScript: URL;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingBatch>();
  private nextId = 1;
  private closed = false;
  /** Models whose directory was checked, with the weights picked; later requests skip the file system. */
  private readonly inspected = new Map<string, WeightDtype>();
  private readonly loads = new Map<string, number>();
  private starts = 0;

  constructor(options: LocalEmbedderOptions) {
    this.modelsDir = resolve(options.modelsDir);
    this.allowDownloads = options.allowDownloads ?? false;
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.workerScript = options.workerScript ?? new URL('./embedding-worker.js', import.meta.url);
    this.settings = {
      modelsDir: this.modelsDir,
      allowDownloads: this.allowDownloads,
      hubUrl: (options.hubUrl ?? DEFAULT_HUB_URL).replace(/\/*$/, '/'),
      intraOpThreads: options.intraOpThreads ?? Math.max(1, availableParallelism() - 1),
      hubToken: options.hubToken,
    };
  }

  /** How many times `model` was loaded into a worker (once, unless a worker died and a new one loaded it again). */
  loadCount(model: string): number {
    return this.loads.get(model) ?? 0;
  }

  /** How many worker threads were started so far. */
  get workerStarts(): number {
    return this.starts;
  }

  async embed(model: string, texts: readonly string[], format: EmbeddingFormat, cancellation?: Cancellation): Promise<LocalEmbeddings> {
    const spec = await this.modelSpec(model);
    const items: string[] = [];
    let promptTokens = 0;
    for (let start = 0; start < texts.length; start += this.batchSize) {
      if (cancellation?.cancelled) throw new RequestAbortedError('request aborted by the client');
      const result = await this.embedBatch({ model: spec, texts: texts.slice(start, start + this.batchSize), firstIndex: start, format });
      items.push(result.items);
      promptTokens += result.tokenCount;
    }
    return { items, promptTokens };
  }

  /** Stops the worker after it released its models; requests still waiting fail with a 503. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failPending(() => closedError());
    if (worker === undefined) return;
    const exited = once(worker, 'exit');
    const deadline = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    worker.postMessage({ type: 'close' } satisfies ToEmbeddingWorker);
    await exited;
    clearTimeout(deadline);
  }

  private async modelSpec(name: string): Promise<ModelSpec> {
    if (this.closed) throw closedError();
    const directory = modelDirectoryOf(this.modelsDir, name);
    let dtype = this.inspected.get(name);
    if (dtype === undefined) {
      try {
        dtype = await inspectModelDirectory(directory, name);
      } catch (error) {
        // With downloads allowed a missing model is not an error yet: transformers.js fetches it (as fp32).
        if (!this.allowDownloads || !(error instanceof GatewayError) || error.status !== 404) throw error;
        return { name, source: name, directory, dtype: 'fp32' };
      }
      this.inspected.set(name, dtype);
    }
    return { name, source: directory, directory, dtype };
  }

  private embedBatch(request: Omit<EmbedBatchRequest, 'type' | 'id'>) {
    if (this.closed) return Promise.reject(closedError());
    const worker = this.startedWorker();
    const id = this.nextId++;
    return new Promise<{ items: string; tokenCount: number }>((resolvePromise, rejectPromise) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve: resolvePromise, reject: rejectPromise, model: request.model.name });
      worker.postMessage({ type: 'embed', id, ...request } satisfies ToEmbeddingWorker);
    });
  }

  private startedWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerScript, { workerData: this.settings });
    worker.on('message', (message: FromEmbeddingWorker) => this.receive(message));
    worker.on('error', (error) => this.workerGone(worker, `it failed: ${error.message}`));
    worker.on('exit', (code) => this.workerGone(worker, `it exited with code ${code}`));
    // An idle worker does not keep the process alive; it is ref'd while requests wait on it.
    worker.unref();
    this.worker = worker;
    this.starts++;
    return worker;
  }

  private receive(message: FromEmbeddingWorker): void {
    if (message.type === 'model_loaded') {
      this.loads.set(message.name, this.loadCount(message.name) + 1);
      return;
    }
    const batch = this.settle(message.id);
    if (batch === undefined) return;
    if (message.type === 'embedded') batch.resolve(message);
    else batch.reject(this.failureError(batch.model, message));
  }

  private settle(id: number): PendingBatch | undefined {
    const batch = this.pending.get(id);
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
    return batch;
  }

  private workerGone(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failPending(
      () =>
        new GatewayError(500, `The local embedding worker stopped while embedding (${why}); the next request starts a new one.`, {
          code: 'local_embedder_crashed',
        }),
    );
  }

  private failPending(error: () => Error): void {
    const batches = [...this.pending.values()];
    this.pending.clear();
    for (const batch of batches) batch.reject(error());
  }

  /** A worker failure as the client sees it; the server's absolute models path never appears in it. */
  private failureError(model: string, failure: EmbedBatchFailure): GatewayError {
    const message = failure.message.split(this.modelsDir).join('$HF_MODELS_DIR');
    if (failure.reason === 'invalid_request') return invalidRequest(message, failure.param ?? null, 'invalid_value');
    if (failure.reason === 'model_not_found') return modelNotFound(model, `It could not be loaded: ${message}`);
    if (failure.reason === 'download_failed') {
      return new GatewayError(502, `The model \`${model}\` could not be downloaded: ${message}`, { code: 'model_download_failed' });
    }
    if (failure.reason === 'model_invalid') {
      return new GatewayError(500, `The local model \`${model}\` could not be loaded: ${message}`, { code: 'local_model_invalid' });
    }
    return new GatewayError(500, `The local model \`${model}\` failed to embed the input: ${message}`, { code: 'local_inference_failed' });
  }
}

const closedError = () => new GatewayError(503, 'Local embeddings are shutting down.', { code: 'local_embedder_closed' });
