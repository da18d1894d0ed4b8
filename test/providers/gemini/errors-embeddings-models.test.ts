import test from 'ava';
import { decodeEmbeddingBase64 } from '../../../src/core/embedding-encoding.js';
import { GatewayError } from '../../../src/core/errors.js';
import { embeddingInputs, estimateEmbeddingTokens, toBatchEmbedRequests, toOpenAIEmbeddings } from '../../../src/providers/gemini/embeddings.js';
import { toUpstreamModels } from '../../../src/providers/gemini/models.js';
import { geminiErrorFromResponse, geminiErrorFromStreamPayload, parseRetryDelay } from '../../../src/providers/gemini/errors.js';
import { apiKeyInvalidError, defaultGeminiModels, missingKeyError, modelNotFoundError, rateLimitError } from '../../fakes/gemini-upstream.js';
import { readFixture } from '../../helpers/fixtures.js';

const KEY = 'AIzaSyDUMMYdummyDUMMYdummyDUMMYdummy123';

test('google-429-retry-info.json: a 429 rate limit with the RetryInfo delay, not a spent quota', (t) => {
  const error = geminiErrorFromResponse('gemini', 429, {}, readFixture('google/google-429-retry-info.json'), KEY);
  t.is(error.status, 429);
  t.is(error.type, 'rate_limit_error');
  t.is(error.code, 'rate_limit_exceeded');
  t.is(error.message, 'You exceeded your current quota, please check your plan.');
  t.is(error.retryAfterMs, 34_400);
  t.is(error.headers['Retry-After'], '35');
  t.is(error.keyProblem, undefined);
  t.is(error.kind, 'http');
  t.is(error.provider, 'gemini');
});

test('a 429 whose QuotaFailure names a daily quota (or a zero quota) means the key is spent for now', (t) => {
  const daily = geminiErrorFromResponse('gemini', 429, {}, JSON.stringify(rateLimitError({ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' })), KEY);
  t.is(daily.keyProblem, 'quota_exhausted');
  t.is(daily.code, 'insufficient_quota');
  t.is(daily.retryAfterMs, 34_000);
  const zero = geminiErrorFromResponse('gemini', 429, {}, JSON.stringify(rateLimitError({ quotaValue: '0' })), KEY);
  t.is(zero.keyProblem, 'quota_exhausted');
});

test('a Retry-After header is used when the body has no RetryInfo', (t) => {
  const error = geminiErrorFromResponse('gemini', 429, { 'retry-after': '7' }, JSON.stringify({ error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED' } }), KEY);
  t.is(error.retryAfterMs, 7000);
  t.is(error.headers['Retry-After'], '7');
  t.is(parseRetryDelay('1.5s'), 1500);
  t.is(parseRetryDelay('0s'), 0);
  t.is(parseRetryDelay('soon'), undefined);
});

test('400 API_KEY_INVALID is a bad key: keyProblem invalid, and a 401 for the client', (t) => {
  const error = geminiErrorFromResponse('gemini', 400, {}, JSON.stringify(apiKeyInvalidError()), KEY);
  t.is(error.keyProblem, 'invalid');
  t.is(error.status, 401);
  t.is(error.code, 'invalid_api_key');
  t.is(error.message, 'API key not valid. Please pass a valid API key.');
});

test('other Google errors keep their status and message; the key never leaks', (t) => {
  const leaked = geminiErrorFromResponse('gemini', 403, {}, JSON.stringify({ error: { code: 403, message: 'Your API key was reported as leaked. Please use another API key.', status: 'PERMISSION_DENIED' } }), KEY);
  t.is(leaked.status, 403);
  t.is(leaked.keyProblem, 'invalid');
  t.is(leaked.type, 'permission_error');
  const missing = geminiErrorFromResponse('gemini', 403, {}, JSON.stringify(missingKeyError()), KEY);
  t.is(missing.keyProblem, undefined);
  const notFound = geminiErrorFromResponse('gemini', 404, {}, JSON.stringify(modelNotFoundError('gemini-9', 'generateContent')), KEY);
  t.is(notFound.status, 404);
  t.is(notFound.code, 'model_not_found');
  t.regex(notFound.message, /models\/gemini-9 is not found/);
  const invalid = geminiErrorFromResponse('gemini', 400, {}, JSON.stringify({ error: { code: 400, message: `Invalid value for key ${KEY} in Unknown name "foo"`, status: 'INVALID_ARGUMENT' } }), KEY);
  t.is(invalid.status, 400);
  t.is(invalid.code, 'invalid_argument');
  t.is(invalid.message, 'Invalid value for key [redacted] in Unknown name "foo"');
  const overloaded = geminiErrorFromResponse('gemini', 503, {}, JSON.stringify({ error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }), KEY);
  t.is(overloaded.status, 503);
  t.is(overloaded.type, 'server_error');
  const html = geminiErrorFromResponse('gemini', 502, {}, '<html><body><h1>502 Bad Gateway</h1></body></html>', KEY);
  t.is(html.status, 502);
  t.is(html.message, '502 Bad Gateway');
  const arrayBody = geminiErrorFromResponse('gemini', 400, {}, JSON.stringify([apiKeyInvalidError()]), KEY);
  t.is(arrayBody.keyProblem, 'invalid');
});

test('an error inside the stream takes its status from the code', (t) => {
  const error = geminiErrorFromStreamPayload('gemini', JSON.stringify({ error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } }), KEY);
  t.is(error.status, 500);
  t.is(error.message, 'An internal error has occurred.');
  t.is(geminiErrorFromStreamPayload('gemini', '{"error":{"message":"odd"}}', KEY).status, 502);
});

test('embeddings: strings in batches of at most 100, dimensions passed on, token arrays refused', (t) => {
  const inputs = Array.from({ length: 250 }, (_, index) => `text ${index}`);
  const batches = toBatchEmbedRequests(inputs, 'gemini-embedding-001', 256);
  t.deepEqual(
    batches.map((batch) => batch.requests.length),
    [100, 100, 50],
  );
  t.deepEqual(batches[2]!.requests[49], { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'text 249' }] }, outputDimensionality: 256 });
  t.false('outputDimensionality' in toBatchEmbedRequests(['a'], 'text-embedding-004', undefined)[0]!.requests[0]!);
  t.deepEqual(embeddingInputs({ input: 'one' }), ['one']);
  t.deepEqual(embeddingInputs({ input: ['a', 'b'] }), ['a', 'b']);
  for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
    const error = t.throws(() => embeddingInputs({ input }));
    t.true(error instanceof GatewayError);
    t.is((error as GatewayError).status, 400);
    t.is((error as GatewayError).param, 'input');
  }
});

test('embedding usage is estimated at 4 UTF-8 bytes a token, at least 1 per non-empty input', (t) => {
  t.is(estimateEmbeddingTokens(['hello world!']), 3);
  t.is(estimateEmbeddingTokens(['a', '', 'b']), 2);
  t.is(estimateEmbeddingTokens(['你好世界']), 3);
  const response = toOpenAIEmbeddings([[0.5, -0.25]], ['hello world!'], 'gemini/text-embedding-004', 'float');
  t.deepEqual(response, {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.5, -0.25] }],
    model: 'gemini/text-embedding-004',
    usage: { prompt_tokens: 3, total_tokens: 3 },
  });
  const base64 = toOpenAIEmbeddings([[0.5, -0.25]], ['x'], 'm', 'base64');
  t.deepEqual(decodeEmbeddingBase64(base64.data[0]!.embedding as string), [0.5, -0.25]);
});

test('model list: chat, embedding and Imagen models only, models/ stripped, -search and -non-thinking variants where they apply', (t) => {
  const ids = toUpstreamModels(defaultGeminiModels()).map((model) => model.id);
  t.deepEqual(ids, [
    'gemini-2.0-flash',
    'gemini-2.0-flash-search',
    'gemini-2.5-flash',
    'gemini-2.5-flash-search',
    'gemini-2.5-flash-non-thinking',
    'gemini-2.5-pro',
    'gemini-2.5-pro-search',
    'gemini-2.5-pro-non-thinking',
    'gemini-2.5-flash-lite',
    'gemini-2.5-flash-lite-search',
    'gemini-2.5-flash-lite-non-thinking',
    'gemini-2.5-flash-image',
    'gemini-3-pro-preview',
    'gemini-3-pro-preview-search',
    'gemini-3-pro-preview-non-thinking',
    'gemini-3-flash-preview',
    'gemini-3-flash-preview-search',
    'gemini-3-flash-preview-non-thinking',
    'gemma-3-27b-it',
    'embedding-001',
    'text-embedding-004',
    'gemini-embedding-001',
    'gemini-2.5-flash-preview-tts',
    'imagen-4.0-generate-001',
  ]);
});

test('model list variants as gemini-balance names them: SEARCH_MODELS, IMAGE_MODELS and THINKING_MODELS add variants, FILTERED_MODELS hides', (t) => {
  const ids = toUpstreamModels(defaultGeminiModels(), {
    search: ['gemma-3-27b-it'],
    image: ['models/gemini-2.0-flash'],
    thinking: ['gemma-3-27b-it'],
    filtered: ['gemini-2.5-pro', 'embedding-001'],
  }).map((model) => model.id);
  t.true(ids.includes('gemma-3-27b-it-search'));
  t.true(ids.includes('gemma-3-27b-it-non-thinking'));
  t.true(ids.includes('gemini-2.0-flash-image'));
  t.false(ids.includes('gemini-2.5-flash-image-image'));
  t.false(ids.some((id) => id.startsWith('gemini-2.5-pro')), 'a filtered model goes with its variants');
  t.false(ids.includes('embedding-001'));
});
