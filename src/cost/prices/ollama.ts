import type { ModelPrice } from '../price-schema.js';

/**
 * Ollama runs models on the operator's own machine: a call costs nothing anyone bills, so every model of the
 * `ollama` provider kind is free. Its cloud models (`:cloud` names, or a `-cloud` tag) run on Ollama's servers under
 * a paid plan: those are unpriced, not free. An operator who points Ollama's URL at ollama.com itself writes
 * `ollama/*: null` in the config file.
 */
const OLLAMA_DOWNLOAD = 'https://ollama.com/download';
const AS_OF = '2026-12-05';

export const OLLAMA_PRICES: Readonly<Record<string, ModelPrice | null>> = {
  'ollama/*': { input: 0, output: 0, source: OLLAMA_DOWNLOAD, as_of: AS_OF },
  'ollama/*:cloud': null,
  'ollama/*-cloud': null,
};
