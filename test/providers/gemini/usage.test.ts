import test, { type ExecutionContext } from 'ava';
import { CancellationSource } from '../../../src/core/cancellation.js';
import { chatCompletionRequestSchema } from '../../../src/core/openai-schemas.js';
import { NO_USAGE, type TokenUsage } from '../../../src/core/usage.js';
import { GeminiProvider } from '../../../src/providers/gemini/provider.js';
import { geminiTokenUsage, groundedSearches } from '../../../src/providers/gemini/usage.js';
import { UpstreamHttp } from '../../../src/upstream/http-client.js';
import { type GeminiFakeBehaviour, startFakeGemini } from '../../fakes/gemini-upstream.js';
import { geminiTestOptions } from './provider-options.js';

const KEY = 'AIzaSyUSAGEusageUSAGEusageUSAGEusage0001';

/**
 * The usage the Gemini provider meters for one answer, taken the four ways it can: converted to OpenAI's shape
 * (whole and streamed) and passed through on the native API (whole and streamed).
 */
async function usageFourWays(t: ExecutionContext, behaviour: GeminiFakeBehaviour, model: string): Promise<Record<string, TokenUsage | undefined>> {
  const fake = await startFakeGemini();
  const http = new UpstreamHttp(10_000);
  t.teardown(async () => {
    http.close();
    await fake.stop();
  });
  fake.script = () => behaviour;
  const provider = new GeminiProvider(geminiTestOptions(http, fake.url));
  const base = { apiKey: KEY, cancellation: new CancellationSource() };
  const chat = (stream: boolean) =>
    provider.chatCompletions({ ...base, request: chatCompletionRequestSchema.parse({ model, messages: [{ role: 'user', content: 'Who won?' }], stream }), rawBody: undefined, upstreamModel: model });
  const native = async (action: string, query: string) => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Who won?' }] }] });
    const result = await provider.passthrough({ ...base, method: 'POST', path: `/models/${model}:${action}`, query, body, accept: '*/*' });
    for await (const chunk of result.body ?? []) void chunk;
    await result.finished;
    return result.usage;
  };
  const whole = await chat(false);
  const streamed = await chat(true);
  if (whole.kind !== 'json' || streamed.kind !== 'stream') throw new Error('expected a JSON answer and a stream');
  for await (const batch of streamed.events) void batch;
  return {
    json: whole.usage,
    stream: streamed.report.usage,
    nativeJson: await native('generateContent', ''),
    nativeStream: await native('streamGenerateContent', 'alt=sse'),
  };
}

const sameFourTimes = (usage: TokenUsage) => ({ json: usage, stream: usage, nativeJson: usage, nativeStream: usage });

/**
 * A grounded answer with every count UsageMetadata documents (https://ai.google.dev/api/generate-content#UsageMetadata):
 * a cached prompt part, audio input (some of it cached), tool-use input, thoughts and an image in the output. No
 * recording has these; the stream is the same answer in two chunks, its usage cumulative as Gemini sends it.
 */
function documentedAnswer(modelVersion: string): GeminiFakeBehaviour {
  const usageMetadata = {
    promptTokenCount: 1200,
    cachedContentTokenCount: 1000,
    candidatesTokenCount: 300,
    toolUsePromptTokenCount: 150,
    thoughtsTokenCount: 250,
    totalTokenCount: 1900,
    promptTokensDetails: [
      { modality: 'TEXT', tokenCount: 900 },
      { modality: 'AUDIO', tokenCount: 300 },
    ],
    cacheTokensDetails: [
      { modality: 'TEXT', tokenCount: 800 },
      { modality: 'AUDIO', tokenCount: 200 },
    ],
    candidatesTokensDetails: [
      { modality: 'TEXT', tokenCount: 40 },
      { modality: 'IMAGE', tokenCount: 260 },
    ],
    toolUsePromptTokensDetails: [{ modality: 'TEXT', tokenCount: 150 }],
  };
  const groundingMetadata = {
    webSearchQueries: ['euro 2024 winner', 'euro 2024 final score'],
    groundingChunks: [{ web: { uri: 'https://www.uefa.com/euro2024/', title: 'uefa.com' } }],
  };
  const text = (value: string) => ({ role: 'model', parts: [{ text: value }] });
  const body = {
    candidates: [{ content: text('Spain won Euro 2024.'), finishReason: 'STOP', index: 0, groundingMetadata }],
    usageMetadata,
    modelVersion,
    responseId: 'usage-documented',
  };
  const first = {
    candidates: [{ content: text('Spain won '), index: 0 }],
    usageMetadata: { promptTokenCount: 1200, cachedContentTokenCount: 1000, candidatesTokenCount: 3, totalTokenCount: 1453, thoughtsTokenCount: 250 },
    modelVersion,
    responseId: 'usage-documented',
  };
  const last = { ...body, candidates: [{ ...body.candidates[0], content: text('Euro 2024.') }] };
  return { kind: 'response', body, chunks: [first, last] };
}

const documentedUsage: TokenUsage = {
  ...NO_USAGE,
  prompt: 1350,
  completion: 550,
  total: 1900,
  cached: 1000,
  audioInput: 100,
  reasoning: 250,
  imageOutput: 260,
  searches: 1,
};

test('Gemini 2.5: cached, audio, tool-use input, thoughts and image output, one grounded prompt: the same usage four ways', async (t) => {
  t.deepEqual(await usageFourWays(t, documentedAnswer('gemini-2.5-flash'), 'gemini-2.5-flash'), sameFourTimes(documentedUsage));
});

test('Gemini 3 bills grounding per search query: two queries are two searches, four ways', async (t) => {
  t.deepEqual(await usageFourWays(t, documentedAnswer('gemini-3-pro-preview'), 'gemini-3-pro-preview'), sameFourTimes({ ...documentedUsage, searches: 2 }));
});

test('recorded thinking answers: thoughts are reasoning, on top of the candidates', async (t) => {
  // The whole answer and the stream were two calls; each is read exactly as recorded.
  const usage = await usageFourWays(t, { kind: 'fixture', name: 'google/google-reasoning' }, 'gemini-3-pro-preview');
  const whole = { ...NO_USAGE, prompt: 9, completion: 311, total: 320, reasoning: 282 };
  const streamed = { ...NO_USAGE, prompt: 9, completion: 285, total: 294, reasoning: 256 };
  t.deepEqual(usage, { json: whole, stream: streamed, nativeJson: whole, nativeStream: streamed });
});

test('audio output and audio input read from the cache', (t) => {
  const usage = geminiTokenUsage({
    promptTokenCount: 500,
    cachedContentTokenCount: 400,
    candidatesTokenCount: 90,
    promptTokensDetails: [{ modality: 'AUDIO', tokenCount: 450 }],
    cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 400 }],
    candidatesTokensDetails: [{ modality: 'AUDIO', tokenCount: 90 }],
  });
  t.deepEqual(usage, { ...NO_USAGE, prompt: 500, completion: 90, total: 590, cached: 400, audioInput: 50, audioOutput: 90 });
});

test('grounded searches: none without web grounding, one per prompt before Gemini 3, one per distinct query from Gemini 3', (t) => {
  const web = { webSearchQueries: ['a', 'b'], groundingChunks: [{ web: { uri: 'https://example.com' } }] };
  t.is(groundedSearches([undefined], 'gemini-3-pro'), 0);
  t.is(groundedSearches([{ groundingChunks: [{ retrievedContext: { uri: 'gs://corpus/doc' } }] }], 'gemini-3-pro'), 0, 'retrieval is not Google Search');
  t.is(groundedSearches([web], 'gemini-2.0-flash'), 1);
  t.is(groundedSearches([web], 'gemini-2.5-pro'), 1);
  t.is(groundedSearches([web, { webSearchQueries: ['b', 'c'] }], 'gemini-3.1-pro-preview'), 3);
  t.is(groundedSearches([{ groundingChunks: [{ web: { uri: 'https://example.com' } }] }], 'gemini-3-flash'), 1, 'web sources without the queries are one search');
  t.is(groundedSearches([web], 'gemini-flash-latest'), 2, 'a name without a generation is billed as the current one');
});
