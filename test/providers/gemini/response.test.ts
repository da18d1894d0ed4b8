import test from 'ava';
import { mapGeminiFinishReason } from '../../../src/providers/gemini/finish-reason.js';
import { type ResponseContext, fromGeminiResponse } from '../../../src/providers/gemini/response.js';
import { decodeToolCallId } from '../../../src/providers/gemini/tool-call-id.js';
import { type GeminiGenerateContentResponse, generateContentResponseSchema } from '../../../src/providers/gemini/wire.js';
import { readJsonFixture } from '../../helpers/fixtures.js';

const context: ResponseContext = { id: 'chatcmpl-test', created: 1_760_000_000, model: 'gemini/gemini-3-pro-preview', showThinking: true, showSearchLink: true };

const fixture = (name: string): GeminiGenerateContentResponse => generateContentResponseSchema.parse(readJsonFixture(`google/${name}.json`));
const convert = (response: unknown, overrides: Partial<ResponseContext> = {}) =>
  fromGeminiResponse(generateContentResponseSchema.parse(response), { ...context, ...overrides });

test('google-text.json: text, stop, usage with thinking tokens counted as reasoning', (t) => {
  const completion = fromGeminiResponse(fixture('google-text'), context);
  t.deepEqual(completion, {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_760_000_000,
    model: 'gemini/gemini-3-pro-preview',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: "There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.",
          refusal: null,
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: 9,
      completion_tokens: 28 + 244,
      total_tokens: 281,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 244, audio_tokens: 0 },
    },
  });
});

test('google-reasoning.json and its Gemini 3 twin: the signed answer part is content, thoughts are reasoning tokens', (t) => {
  for (const [name, thoughts, total] of [
    ['google-reasoning', 282, 320],
    ['google-reasoning-gemini3', 258, 296],
  ] as const) {
    const completion = fromGeminiResponse(fixture(name), context);
    t.is(completion.choices[0]!.message.content, 'There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.', name);
    t.is(completion.choices[0]!.message.reasoning_content, undefined, name);
    t.is(completion.usage!.completion_tokens_details!.reasoning_tokens, thoughts, name);
    t.is(completion.usage!.completion_tokens, 29 + thoughts, name);
    t.is(completion.usage!.total_tokens, total, name);
  }
});

test('google-tool-call.json and the Gemini 3 one: a tool call whose id carries the thought signature; STOP becomes tool_calls', (t) => {
  for (const name of ['google-tool-call', 'google-tool-call-gemini3']) {
    const raw = readJsonFixture<{ candidates: { content: { parts: { thoughtSignature: string }[] } }[] }>(`google/${name}.json`);
    const completion = fromGeminiResponse(fixture(name), context);
    const choice = completion.choices[0]!;
    t.is(choice.finish_reason, 'tool_calls', name);
    t.is(choice.message.content, null, name);
    t.is(choice.message.tool_calls!.length, 1, name);
    const call = choice.message.tool_calls![0]!;
    t.is(call.type, 'function');
    t.deepEqual(call.function, { name: 'weather', arguments: '{"location":"San Francisco"}' }, name);
    t.is(decodeToolCallId(call.id).thoughtSignature, raw.candidates[0]!.content.parts[0]!.thoughtSignature, name);
  }
});

test('thought parts go to reasoning_content only, and only when thinking is shown', (t) => {
  const response = {
    candidates: [
      {
        content: {
          role: 'model',
          parts: [{ text: 'Counting letters…', thought: true }, { text: 'Three.' }, { text: '', thoughtSignature: 'c2ln' }],
        },
        finishReason: 'STOP',
      },
    ],
  };
  const shown = convert(response);
  t.is(shown.choices[0]!.message.content, 'Three.');
  t.is(shown.choices[0]!.message.reasoning_content, 'Counting letters…');
  const hidden = convert(response, { showThinking: false });
  t.is(hidden.choices[0]!.message.content, 'Three.');
  t.false('reasoning_content' in hidden.choices[0]!.message);
  // index missing on the candidate (newer models omit it when 0).
  t.is(shown.choices[0]!.index, 0);
});

test('parallel calls and text in one candidate: every part converted, ids unique, arguments whole', (t) => {
  const completion = convert({
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            { text: 'Checking both.' },
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'AAAA' },
            { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
            { functionCall: { name: 'read_theme' } },
          ],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
  });
  const message = completion.choices[0]!.message;
  t.is(message.content, 'Checking both.');
  t.deepEqual(
    message.tool_calls!.map((call) => call.function),
    [
      { name: 'get_weather', arguments: '{"city":"Paris"}' },
      { name: 'get_weather', arguments: '{"city":"Rome"}' },
      { name: 'read_theme', arguments: '{}' },
    ],
  );
  t.is(new Set(message.tool_calls!.map((call) => call.id)).size, 3);
  t.is(decodeToolCallId(message.tool_calls![0]!.id).thoughtSignature, 'AAAA');
  t.is(decodeToolCallId(message.tool_calls![1]!.id).thoughtSignature, undefined);
  t.is(completion.choices[0]!.finish_reason, 'tool_calls');
});

test('several candidates become several choices', (t) => {
  const completion = convert({
    candidates: [
      { content: { role: 'model', parts: [{ text: 'A' }] }, finishReason: 'STOP', index: 0 },
      { content: { role: 'model', parts: [{ text: 'B' }] }, finishReason: 'MAX_TOKENS', index: 1 },
    ],
  });
  t.deepEqual(
    completion.choices.map((choice) => [choice.index, choice.message.content, choice.finish_reason]),
    [
      [0, 'A', 'stop'],
      [1, 'B', 'length'],
    ],
  );
});

test('MAX_TOKENS is length; SAFETY without content is content_filter', (t) => {
  const truncated = convert({ candidates: [{ content: { role: 'model', parts: [{ text: 'Once upon a' }] }, finishReason: 'MAX_TOKENS', index: 0 }] });
  t.is(truncated.choices[0]!.finish_reason, 'length');
  t.is(truncated.choices[0]!.message.content, 'Once upon a');
  const unsafe = convert({
    candidates: [{ finishReason: 'SAFETY', index: 0, safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] }],
  });
  t.is(unsafe.choices[0]!.finish_reason, 'content_filter');
  t.is(unsafe.choices[0]!.message.content, '');
});

test('finish reason table', (t) => {
  t.is(mapGeminiFinishReason('STOP', false), 'stop');
  t.is(mapGeminiFinishReason('STOP', true), 'tool_calls');
  t.is(mapGeminiFinishReason('MAX_TOKENS', true), 'length');
  for (const reason of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY']) {
    t.is(mapGeminiFinishReason(reason, false), 'content_filter', reason);
  }
  t.is(mapGeminiFinishReason('SAFETY', true), 'content_filter');
  t.is(mapGeminiFinishReason('MALFORMED_FUNCTION_CALL', false), 'stop');
  t.is(mapGeminiFinishReason('OTHER', false), 'stop');
  t.is(mapGeminiFinishReason(undefined, false), 'stop');
});

test('a blocked prompt answers with a content_filter choice that says why, not an empty 200', (t) => {
  const completion = convert({
    promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
    usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
    modelVersion: 'gemini-2.5-flash',
  });
  t.is(completion.choices.length, 1);
  t.is(completion.choices[0]!.finish_reason, 'content_filter');
  t.is(completion.choices[0]!.message.content, null);
  t.regex(completion.choices[0]!.message.refusal!, /PROHIBITED_CONTENT/);
  t.is(completion.usage!.prompt_tokens, 12);
});

const groundedResponse = {
  candidates: [
    {
      content: { role: 'model', parts: [{ text: 'Spain won Euro 2024.' }] },
      finishReason: 'STOP',
      index: 0,
      groundingMetadata: {
        webSearchQueries: ['who won euro 2024'],
        searchEntryPoint: { renderedContent: '<div>…</div>' },
        groundingChunks: [
          { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/AAA', title: 'uefa.com' } },
          { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/BBB', title: 'wikipedia [org]' } },
          { web: { uri: 'https://vertexaisearch.cloud.google.com/grounding-api-redirect/AAA', title: 'uefa.com' } },
        ],
        groundingSupports: [{ segment: { startIndex: 0, endIndex: 20, text: 'Spain won Euro 2024.' }, groundingChunkIndices: [0, 1] }],
      },
    },
  ],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 6, toolUsePromptTokenCount: 40, totalTokenCount: 54 },
};

test('grounding with links shown: sources appended as markdown links, each one a url_citation pointing at its link', (t) => {
  const completion = convert(groundedResponse);
  const message = completion.choices[0]!.message;
  t.is(
    message.content,
    'Spain won Euro 2024.\n\n**Sources:**\n' +
      '1. [uefa.com](https://vertexaisearch.cloud.google.com/grounding-api-redirect/AAA)\n' +
      '2. [wikipedia \\[org\\]](https://vertexaisearch.cloud.google.com/grounding-api-redirect/BBB)\n',
  );
  t.is(message.annotations.length, 2);
  for (const annotation of message.annotations) {
    const { start_index: start, end_index: end, url, title } = annotation.url_citation;
    t.is(annotation.type, 'url_citation');
    t.true(message.content!.slice(start, end).startsWith('['));
    t.true(message.content!.slice(start, end).endsWith(`(${url})`));
    t.true(title.length > 0);
  }
  t.is(message.annotations[1]!.url_citation.title, 'wikipedia [org]');
  // Search results fed to the model are prompt tokens.
  t.is(completion.usage!.prompt_tokens, 48);
});

test('grounding with links off: the answer is left as Gemini wrote it', (t) => {
  const completion = convert(groundedResponse, { showSearchLink: false });
  t.is(completion.choices[0]!.message.content, 'Spain won Euro 2024.');
  t.deepEqual(completion.choices[0]!.message.annotations, []);
});

test('code execution: the code and its output are rendered into the content as fenced blocks', (t) => {
  const completion = convert({
    candidates: [
      {
        content: {
          role: 'model',
          parts: [
            { text: 'Let me compute.' },
            { executableCode: { language: 'PYTHON', code: 'print(sum(range(10)))' } },
            { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '45\n' } },
            { executableCode: { language: 'PYTHON', code: '1/0' } },
            { codeExecutionResult: { outcome: 'OUTCOME_FAILED', output: 'ZeroDivisionError' } },
            { text: 'The sum is 45.' },
          ],
        },
        finishReason: 'STOP',
        index: 0,
      },
    ],
  });
  t.is(
    completion.choices[0]!.message.content,
    'Let me compute.\n```python\nprint(sum(range(10)))\n```\n\n```output\n45\n```\n' +
      '\n```python\n1/0\n```\n\nCode execution ended with OUTCOME_FAILED:\n```output\nZeroDivisionError\n```\nThe sum is 45.',
  );
  t.is(completion.choices[0]!.finish_reason, 'stop');
});

test('generated images come back as markdown data URLs; cached tokens are reported', (t) => {
  const completion = convert({
    candidates: [{ content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 80, candidatesTokenCount: 1290, totalTokenCount: 1390 },
  });
  t.is(completion.choices[0]!.message.content, '![image](data:image/png;base64,iVBORw0KGgo=)');
  t.is(completion.usage!.prompt_tokens_details.cached_tokens, 80);
});

test('logprobs are converted when Gemini returns them', (t) => {
  const completion = convert({
    candidates: [
      {
        content: { role: 'model', parts: [{ text: 'Hi' }] },
        finishReason: 'STOP',
        index: 0,
        logprobsResult: {
          chosenCandidates: [{ token: 'Hi', logProbability: -0.1 }],
          topCandidates: [{ candidates: [{ token: 'Hi', logProbability: -0.1 }, { token: 'Hello', logProbability: -2.5 }] }],
        },
      },
    ],
  });
  t.deepEqual(completion.choices[0]!.logprobs, {
    content: [
      {
        token: 'Hi',
        logprob: -0.1,
        bytes: [72, 105],
        top_logprobs: [
          { token: 'Hi', logprob: -0.1, bytes: [72, 105] },
          { token: 'Hello', logprob: -2.5, bytes: [72, 101, 108, 108, 111] },
        ],
      },
    ],
  });
});
