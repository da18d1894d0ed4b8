import test from 'ava';
import { decodeEmbeddingBase64 } from '../../../src/core/embedding-encoding.js';
import { GatewayError } from '../../../src/core/errors.js';
import { embeddingsRequestSchema } from '../../../src/core/openai-schemas.js';
import { embeddingTexts, MAX_EMBEDDING_INPUTS } from '../../../src/providers/huggingface/embedding-inputs.js';
import { type EmbeddingFormat, embeddingItemsJson, openAIEmbeddingsBody, shortenEmbedding } from '../../../src/providers/huggingface/embedding-response.js';

const vectors = [Float32Array.from([0.6, 0.8, 0, 0]), [0, 0, 0.6, 0.8]];
const body = (format: EmbeddingFormat, firstIndex = 0) => JSON.parse(openAIEmbeddingsBody([embeddingItemsJson(vectors, firstIndex, format)], 'bge-small', 9).body);

test('floats in OpenAI’s list shape, with the model name and usage', (t) => {
  t.deepEqual(body({ encoding: 'float', dimensions: undefined }), {
    object: 'list',
    data: [
      { object: 'embedding', index: 0, embedding: [Math.fround(0.6), Math.fround(0.8), 0, 0] },
      { object: 'embedding', index: 1, embedding: [0, 0, 0.6, 0.8] },
    ],
    model: 'bge-small',
    usage: { prompt_tokens: 9, total_tokens: 9 },
  });
});

test('items from several batches join into one list, numbered from each batch’s first index', (t) => {
  const format: EmbeddingFormat = { encoding: 'float', dimensions: null };
  const joined = JSON.parse(openAIEmbeddingsBody([embeddingItemsJson(vectors, 0, format), embeddingItemsJson([[1, 0, 0, 0]], 2, format)], 'm', 1).body);
  t.deepEqual(joined.data.map((item: { index: number }) => item.index), [0, 1, 2]);
  t.deepEqual(JSON.parse(openAIEmbeddingsBody([], 'm', 0).body).data, []);
});

test('base64 decodes back to the float32 values', (t) => {
  t.deepEqual(decodeEmbeddingBase64(body({ encoding: 'base64', dimensions: null }).data[1].embedding), [0, 0, 0.6, 0.8].map(Math.fround));
});

test('dimensions keeps the leading values and scales them back to unit length', (t) => {
  t.deepEqual(shortenEmbedding([0.6, 0.8, 0, 0], 1), [1]);
  const shortened = shortenEmbedding([0.5, 0.5, 0.5, 0.5], 2);
  t.is(shortened.length, 2);
  for (const value of shortened) t.true(Math.abs(value - Math.SQRT1_2) < 1e-12);
  t.deepEqual(decodeEmbeddingBase64(body({ encoding: 'base64', dimensions: 3 }).data[1].embedding), [0, 0, 1]);
});

test('more dimensions than the model has is a 400 on `dimensions`', (t) => {
  const error = t.throws(() => shortenEmbedding([1, 0], 3));
  t.true(error instanceof GatewayError);
  t.is((error as GatewayError).status, 400);
  t.is((error as GatewayError).param, 'dimensions');
  t.regex(error!.message, /2-dimensional/);
});

const request = (input: unknown) => embeddingsRequestSchema.parse({ model: 'huggingface/m', input });

test('a string or a list of strings are the texts; token arrays are a 400', (t) => {
  t.deepEqual(embeddingTexts(request('one')), ['one']);
  t.deepEqual(embeddingTexts(request(['one', 'two'])), ['one', 'two']);
  for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
    const error = t.throws(() => embeddingTexts(request(input)));
    t.is((error as GatewayError).status, 400);
    t.is((error as GatewayError).param, 'input');
  }
});

test('more inputs than OpenAI allows in one request is a 400', (t) => {
  t.is(embeddingTexts(request(Array.from({ length: MAX_EMBEDDING_INPUTS }, () => 'x'))).length, MAX_EMBEDDING_INPUTS);
  const error = t.throws(() => embeddingTexts(request(Array.from({ length: MAX_EMBEDDING_INPUTS + 1 }, () => 'x'))));
  t.is((error as GatewayError).status, 400);
});
