import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { CancellationSource } from '../../../src/core/cancellation.js';
import { GatewayError, RequestAbortedError } from '../../../src/core/errors.js';
import { LocalEmbedder } from '../../../src/providers/huggingface/local-embedder.js';
import { embedVectors } from './embedded-vectors.js';
import {
  expectedHiddenStates,
  expectedTokenIds,
  makeModelsDirectory,
  TINY_HIDDEN_SIZE,
  writeTinyEmbeddingModel,
} from '../../helpers/tiny-embedding-model.js';

/*
 * These tests run the real path: transformers.js loads the generated tiny model from disk and ONNX Runtime runs it
 * in the worker thread. The expected vectors are computed independently from the model's weights.
 */

const MEAN_MODEL = 'sentence-transformers/tiny-mean';
const CLS_MODEL = 'BAAI/tiny-cls';
const SHORT_MODEL = 'tiny-short';
const QUANTIZED_MODEL = 'tiny-quantized';

let modelsDir = '';
let shared: LocalEmbedder;
const embedders: LocalEmbedder[] = [];

const newEmbedder = (options: Partial<ConstructorParameters<typeof LocalEmbedder>[0]> = {}) => {
  const embedder = new LocalEmbedder({ modelsDir, ...options });
  embedders.push(embedder);
  return embedder;
};

test.before(async () => {
  modelsDir = await makeModelsDirectory();
  await writeTinyEmbeddingModel(modelsDir, MEAN_MODEL);
  await writeTinyEmbeddingModel(modelsDir, CLS_MODEL, { pooling: 'cls' });
  await writeTinyEmbeddingModel(modelsDir, SHORT_MODEL, { pooling: 'mean', maxSeqLength: 4 });
  const quantized = await writeTinyEmbeddingModel(modelsDir, QUANTIZED_MODEL);
  await rename(join(quantized, 'onnx', 'model.onnx'), join(quantized, 'onnx', 'model_quantized.onnx'));
  await mkdir(join(modelsDir, 'incomplete'), { recursive: true });
  await writeFile(join(modelsDir, 'incomplete', 'config.json'), '{"model_type":"bert"}');
  await writeFile(join(modelsDir, 'incomplete', 'tokenizer.json'), '{}');
  shared = newEmbedder();
});

test.after.always(async () => {
  await Promise.all(embedders.map((embedder) => embedder.close()));
  await rm(modelsDir, { recursive: true, force: true });
});

const norm = (vector: ArrayLike<number>) => Math.hypot(...Array.from(vector));
const unit = (vector: readonly number[]) => vector.map((value) => value / Math.hypot(...vector));

function meanPooled(text: string): number[] {
  const rows = expectedHiddenStates(expectedTokenIds(text));
  return unit(Array.from({ length: TINY_HIDDEN_SIZE }, (_, d) => rows.reduce((sum, row) => sum + row[d]!, 0) / rows.length));
}

function assertClose(t: { true(value: boolean, message?: string): void }, actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-5) {
  t.true(actual.length === expected.length, `length ${actual.length} ≠ ${expected.length}`);
  const worst = Math.max(...expected.map((value, index) => Math.abs(value - actual[index]!)));
  t.true(worst <= tolerance, `largest difference ${worst} exceeds ${tolerance}`);
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

test('a model without sentence-transformers files gives mean-pooled, unit-length vectors of the hidden size', async (t) => {
  const texts = ['hello world', 'the quick brown fox jumps over the lazy dog'];
  const { vectors } = await embedVectors(shared, MEAN_MODEL, texts);
  t.is(vectors.length, 2);
  for (const [index, vector] of vectors.entries()) {
    t.is(vector.length, TINY_HIDDEN_SIZE);
    t.true(Math.abs(norm(vector) - 1) < 1e-5);
    assertClose(t, vector, meanPooled(texts[index]!));
  }
});

test('identical inputs give identical vectors, different inputs different ones', async (t) => {
  const { vectors } = await embedVectors(shared, MEAN_MODEL, ['red sky', 'red sky', 'blue sea']);
  t.deepEqual(vectors[0], vectors[1]);
  const cosine = vectors[0]!.reduce((sum, value, index) => sum + value * vectors[2]![index]!, 0);
  t.true(cosine < 0.999, `cosine ${cosine}`);
});

test('order is kept across batches, and padding does not change a vector', async (t) => {
  const embedder = newEmbedder({ batchSize: 3 });
  const texts = Array.from({ length: 10 }, (_, index) => `number ${index} ${'hello '.repeat(index)}`.trim());
  const { vectors, indexes, promptTokens } = await embedVectors(embedder, MEAN_MODEL, texts);
  t.deepEqual(indexes, [...texts.keys()]);
  for (const [index, text] of texts.entries()) {
    const alone = (await embedVectors(embedder, MEAN_MODEL, [text])).vectors[0]!;
    assertClose(t, vectors[index]!, alone, 1e-6);
    assertClose(t, vectors[index]!, meanPooled(text));
  }
  t.is(promptTokens, texts.reduce((sum, text) => sum + expectedTokenIds(text).length, 0));
});

test('usage counts the tokenizer’s tokens, [CLS] and [SEP] included', async (t) => {
  const { promptTokens } = await embedVectors(shared, MEAN_MODEL, ['hello world', '你好 世界', 'unknownword']);
  // hello world → 2 + 2; 你 好 世 界 (CJK characters split one token each) → 4 + 2; one [UNK] → 1 + 2
  t.is(promptTokens, 4 + 6 + 3);
});

test('a model is loaded once and reused across requests', async (t) => {
  const embedder = newEmbedder();
  t.is(embedder.loadCount(MEAN_MODEL), 0);
  await Promise.all([embedVectors(embedder, MEAN_MODEL, ['one']), embedVectors(embedder, MEAN_MODEL, ['two'])]);
  await embedVectors(embedder, MEAN_MODEL, ['three']);
  await embedVectors(embedder, CLS_MODEL, ['three']);
  t.is(embedder.loadCount(MEAN_MODEL), 1);
  t.is(embedder.loadCount(CLS_MODEL), 1);
  t.is(embedder.workerStarts, 1);
});

test('CLS pooling and normalisation when modules.json and 1_Pooling/config.json say so', async (t) => {
  const text = 'the cat sat on the mat';
  const cls = (await embedVectors(shared, CLS_MODEL, [text])).vectors[0]!;
  assertClose(t, cls, unit(expectedHiddenStates(expectedTokenIds(text))[0]!));
  const mean = (await embedVectors(shared, MEAN_MODEL, [text])).vectors[0]!;
  t.true(Math.max(...cls.map((value, index) => Math.abs(value - mean[index]!))) > 0.01);
});

test('sentence_bert_config.json max_seq_length truncates the input', async (t) => {
  const { promptTokens, vectors } = await embedVectors(shared, SHORT_MODEL, ['one two three four five six seven', 'one']);
  t.is(promptTokens, 4 + 3);
  t.is(vectors[0]!.length, TINY_HIDDEN_SIZE);
});

test('quantized weights are used when the directory has no full-precision model', async (t) => {
  const { vectors } = await embedVectors(shared, QUANTIZED_MODEL, ['hello world']);
  assertClose(t, vectors[0]!, meanPooled('hello world'));
});

test('more dimensions than the model has is a 400 on `dimensions`, found in the worker', async (t) => {
  const error = await rejection(shared.embed(MEAN_MODEL, ['hello'], { encoding: 'float', dimensions: TINY_HIDDEN_SIZE + 1 }));
  t.is(error.status, 400);
  t.is(error.param, 'dimensions');
  const fits = await shared.embed(MEAN_MODEL, ['hello'], { encoding: 'base64', dimensions: TINY_HIDDEN_SIZE });
  t.is(fits.items.length, 1);
});

test('a missing model is a 404 naming the expected directory relative to HF_MODELS_DIR', async (t) => {
  const error = await rejection(embedVectors(shared, 'sentence-transformers/not-installed', ['x']));
  t.is(error.status, 404);
  t.is(error.code, 'model_not_found');
  t.regex(error.message, /`sentence-transformers\/not-installed\/`/);
  t.false(error.message.includes(modelsDir));
});

test('a model directory without ONNX weights is a 404 that says what is missing', async (t) => {
  const error = await rejection(embedVectors(shared, 'incomplete', ['x']));
  t.is(error.status, 404);
  t.regex(error.message, /onnx\/model\.onnx/);
  t.false(error.message.includes(modelsDir));
});

test('names that would leave the models directory are refused with 400', async (t) => {
  for (const name of ['../outside', 'org/../../outside', '/etc/passwd', 'org\\..\\outside', 'org//model', './model']) {
    const error = await rejection(embedVectors(shared, name, ['x']));
    t.is(error.status, 400, name);
    t.is(error.param, 'model');
  }
});

test('the event loop stays responsive while a large batch is embedded', async (t) => {
  // One batch of 2048 long texts: tokenising it alone blocks a thread for about 0.7 s on the 2-core test machine,
  // so a timer on the gateway's thread would stall that long if the work ran there.
  const embedder = newEmbedder({ batchSize: 2048 });
  await embedVectors(embedder, MEAN_MODEL, ['warm up']);
  const texts = Array.from({ length: 2048 }, (_, index) => `number ${index % 10} ${'the quick brown fox jumps over the lazy dog '.repeat(20 + (index % 20))}`);
  let ticks = 0;
  let longestGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 5);
  const started = performance.now();
  const { vectors } = await embedVectors(embedder, MEAN_MODEL, texts);
  const elapsed = performance.now() - started;
  clearInterval(timer);
  t.log(`embedded ${vectors.length} texts in ${elapsed.toFixed(0)} ms; ${ticks} timer ticks, longest gap ${longestGap.toFixed(1)} ms`);
  t.is(vectors.length, texts.length);
  t.true(ticks >= 10);
  // On the gateway's thread the work would hold the loop for nearly all of `elapsed`; a busy machine slows both.
  t.true(longestGap < elapsed / 2, `the event loop was blocked for ${longestGap.toFixed(0)} ms of ${elapsed.toFixed(0)} ms`);
});

test('a crashed worker fails its requests with a 500, and the next request gets a new worker', async (t) => {
  const embedder = newEmbedder({ workerScript: new URL('./crashing-embedding-worker.js', import.meta.url) });
  await embedVectors(embedder, MEAN_MODEL, ['hello']);
  const error = await rejection(embedVectors(embedder, MEAN_MODEL, ['crash the worker']));
  t.is(error.status, 500);
  t.is(error.code, 'local_embedder_crashed');
  const { vectors } = await embedVectors(embedder, MEAN_MODEL, ['hello world']);
  assertClose(t, vectors[0]!, meanPooled('hello world'));
  t.is(embedder.workerStarts, 2);
  t.is(embedder.loadCount(MEAN_MODEL), 2);
});

test('close() stops the worker; waiting and later requests fail with a 503', async (t) => {
  const embedder = newEmbedder({ batchSize: 1 });
  await embedVectors(embedder, MEAN_MODEL, ['hello']);
  const waiting = embedVectors(embedder, MEAN_MODEL, Array.from({ length: 200 }, (_, index) => `text ${index}`));
  await embedder.close();
  t.is((await rejection(waiting)).status, 503);
  const later = await rejection(embedVectors(embedder, MEAN_MODEL, ['hello']));
  t.is(later.status, 503);
  t.is(later.code, 'local_embedder_closed');
  t.is(embedder.workerStarts, 1);
});

test('a cancelled request stops sending batches', async (t) => {
  const embedder = newEmbedder({ batchSize: 1 });
  const cancellation = new CancellationSource();
  const running = embedVectors(embedder, MEAN_MODEL, Array.from({ length: 2000 }, (_, index) => `text ${index}`), cancellation);
  setTimeout(() => cancellation.cancel(), 50);
  await t.throwsAsync(running, { instanceOf: RequestAbortedError });
});
