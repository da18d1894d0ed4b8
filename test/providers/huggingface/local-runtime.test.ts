import test from 'ava';
import { LOCAL_EMBEDDINGS_INSTALL, missingLocalEmbeddingRuntime } from '../../../src/providers/huggingface/local-runtime.js';

test('without @huggingface/transformers installed, local embeddings name the one command that adds it', (t) => {
  const message = missingLocalEmbeddingRuntime(() => false);
  t.is(LOCAL_EMBEDDINGS_INSTALL, 'npm install @huggingface/transformers');
  t.true(message?.includes('`npm install @huggingface/transformers`'));
  t.true(message?.startsWith('HF_MODELS_DIR is set'));
});

test('with the package installed (the development install has it) nothing is missing', (t) => {
  t.is(missingLocalEmbeddingRuntime(), undefined);
  t.is(missingLocalEmbeddingRuntime((specifier) => specifier === '@huggingface/transformers'), undefined);
});
