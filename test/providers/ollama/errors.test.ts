import test from 'ava';
import { ollamaErrorFromPayload, ollamaErrorFromResponse } from '../../../src/providers/ollama/errors.js';

test('a missing model keeps 404 and Ollama’s message, with OpenAI’s model_not_found code', (t) => {
  for (const body of ['{"error":"model \'llama9:70b\' not found"}', '{"error":"model \\"llama9:70b\\" not found, try pulling it first"}']) {
    const error = ollamaErrorFromResponse('ollama', 404, {}, body, undefined);
    t.is(error.status, 404);
    t.is(error.code, 'model_not_found');
    t.is(error.param, 'model');
    t.is(error.kind, 'http');
    t.is(error.provider, 'ollama');
    t.regex(error.message, /^model .llama9:70b. not found/);
    t.deepEqual(error.toBody().error.type, 'invalid_request_error');
  }
});

test('a 404 that is not about a model (a wrong base URL) has no model code', (t) => {
  const error = ollamaErrorFromResponse('ollama', 404, {}, '404 page not found', undefined);
  t.is(error.status, 404);
  t.is(error.code, null);
  t.is(error.message, '404 page not found');
});

test('other statuses and messages are kept as Ollama sent them', (t) => {
  const badRequest = ollamaErrorFromResponse('ollama', 400, {}, '{"error":"\\"llava:7b\\" does not support thinking"}', undefined);
  t.is(badRequest.status, 400);
  t.is(badRequest.message, '"llava:7b" does not support thinking');
  const server = ollamaErrorFromResponse('ollama', 500, {}, '{"error":"option \\"stop\\" must be of type array"}', undefined);
  t.is(server.status, 500);
  t.is(server.type, 'server_error');
  const empty = ollamaErrorFromResponse('ollama', 503, {}, '', undefined);
  t.is(empty.message, 'Upstream ollama answered HTTP 503.');
  t.is(ollamaErrorFromResponse('ollama', 302, {}, '', undefined).status, 502);
});

test('rate limits from ollama.com carry Retry-After', (t) => {
  const error = ollamaErrorFromResponse('ollama', 429, { 'retry-after': '7' }, '{"error":"too many requests"}', 'key');
  t.is(error.status, 429);
  t.is(error.retryAfterMs, 7000);
  t.is(error.headers['Retry-After'], '7');
});

test('the key used is removed from the message', (t) => {
  const key = 'ollama-key-0123456789abcdef';
  const error = ollamaErrorFromResponse('ollama', 401, {}, JSON.stringify({ error: `invalid key ${key}` }), key);
  t.is(error.message, 'invalid key [redacted]');
  t.is(ollamaErrorFromPayload('ollama', JSON.stringify({ error: `boom ${key}` }), key).message, 'boom [redacted]');
});

test('an error inside a 200 answer is a bad gateway with Ollama’s words', (t) => {
  const error = ollamaErrorFromPayload('ollama', '{"error":"an error was encountered while running the model"}', undefined);
  t.is(error.status, 502);
  t.is(error.message, 'an error was encountered while running the model');
});
