import test from 'ava';
import { decodeEmbeddingBase64, encodeEmbeddingBase64, encodeEmbeddingsResponseAsBase64 } from '../../src/core/embedding-encoding.js';
import { readJsonFixture } from '../helpers/fixtures.js';

test('base64 embeddings are little-endian float32, as OpenAI sends them', (t) => {
  const values = [0.5, -1, 0.25, 3.4028234663852886e38];
  const encoded = encodeEmbeddingBase64(values);
  const bytes = Buffer.from(encoded, 'base64');
  t.is(bytes.length, 16);
  t.is(bytes.readFloatLE(0), 0.5);
  t.is(bytes.readFloatLE(4), -1);
  t.deepEqual(decodeEmbeddingBase64(encoded), values);
});

test('a recorded embeddings response converts to base64 and back', (t) => {
  const response = readJsonFixture<{ data: { embedding: unknown }[] }>('openai/openai-embedding.json');
  const original = response.data.map((item) => item.embedding as number[]);
  encodeEmbeddingsResponseAsBase64(response);
  response.data.forEach((item, index) => {
    t.is(typeof item.embedding, 'string');
    decodeEmbeddingBase64(item.embedding as string).forEach((value, dimension) => t.is(value, Math.fround(original[index]![dimension]!)));
  });
});
