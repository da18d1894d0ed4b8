import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import type { ChatCompletionRequest } from '../../../src/core/openai-schemas.js';
import { chatCompletionRequestSchema } from '../../../src/core/openai-schemas.js';
import { parseGeminiModel } from '../../../src/providers/gemini/model-name.js';
import { DEFAULT_SAFETY_SETTINGS } from '../../../src/providers/gemini/options.js';
import { THOUGHT_SIGNATURE_SENTINEL } from '../../../src/providers/gemini/contents.js';
import { type GeminiRequestOptions, toGeminiRequest } from '../../../src/providers/gemini/request.js';
import { decodeToolCallId, encodeToolCallId } from '../../../src/providers/gemini/tool-call-id.js';
import type { MediaFetcher } from '../../../src/upstream/media.js';

const refuseFetch: MediaFetcher = async (url) => {
  throw new Error(`unexpected fetch of ${url}`);
};

const baseOptions: GeminiRequestOptions = {
  showThinking: false,
  codeExecution: false,
  urlContext: false,
  thinkingBudgetMap: {},
  fetchMedia: refuseFetch,
};

const parse = (body: Record<string, unknown>): ChatCompletionRequest => chatCompletionRequestSchema.parse(body);

async function convert(body: Record<string, unknown>, model = 'gemini-2.5-flash', options: Partial<GeminiRequestOptions> = {}) {
  return toGeminiRequest(parse({ model, ...body }), parseGeminiModel(model, []), { ...baseOptions, ...options });
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

test('system and developer messages become the system instruction; roles map and consecutive turns merge', async (t) => {
  const request = await convert({
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Hi' },
      { role: 'user', content: [{ type: 'text', text: 'Are you there?' }] },
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      { role: 'assistant', content: 'Oui.' },
      { role: 'assistant', content: [{ type: 'text', text: 'Bonjour.' }] },
      { role: 'user', content: 'Merci' },
    ],
  });
  t.deepEqual(request.systemInstruction, { parts: [{ text: 'Be terse.' }, { text: 'Answer in French.' }] });
  t.deepEqual(request.contents, [
    { role: 'user', parts: [{ text: 'Hi' }, { text: 'Are you there?' }] },
    { role: 'model', parts: [{ text: 'Oui.' }, { text: 'Bonjour.' }] },
    { role: 'user', parts: [{ text: 'Merci' }] },
  ]);
});

test('no sampling parameter is invented: a bare request has no generationConfig at all', async (t) => {
  const request = await convert({ messages: [{ role: 'user', content: 'Hi' }] });
  t.is(request.generationConfig, undefined);
  t.is(request.tools, undefined);
  t.is(request.toolConfig, undefined);
});

test('sampling parameters the client sent are mapped one to one', async (t) => {
  const request = await convert({
    messages: [{ role: 'user', content: 'Hi' }],
    temperature: 0.3,
    top_p: 0.8,
    top_k: 20,
    max_tokens: 50,
    max_completion_tokens: 100,
    stop: 'END',
    n: 2,
    seed: 7,
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    logprobs: true,
    top_logprobs: 3,
  });
  t.deepEqual(request.generationConfig, {
    temperature: 0.3,
    topP: 0.8,
    topK: 20,
    maxOutputTokens: 100,
    stopSequences: ['END'],
    candidateCount: 2,
    seed: 7,
    presencePenalty: 0.5,
    frequencyPenalty: -0.5,
    responseLogprobs: true,
    logprobs: 3,
  });
  const withMaxTokens = await convert({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 50, stop: ['a', 'b'] });
  t.deepEqual(withMaxTokens.generationConfig, { maxOutputTokens: 50, stopSequences: ['a', 'b'] });
  const error = await rejection(convert({ messages: [{ role: 'user', content: 'Hi' }], top_k: 'many' }));
  t.is(error.param, 'top_k');
});

test('safety settings default to every category off; an operator list replaces them', async (t) => {
  const request = await convert({ messages: [{ role: 'user', content: 'Hi' }] });
  t.deepEqual(request.safetySettings, [...DEFAULT_SAFETY_SETTINGS]);
  t.true(request.safetySettings!.every((setting) => setting.threshold === 'OFF'));
  const custom = [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }];
  const overridden = await convert({ messages: [{ role: 'user', content: 'Hi' }] }, 'gemini-2.5-flash', { safetySettings: custom });
  t.deepEqual(overridden.safetySettings, custom);
});

test('response_format json_object and json_schema ask for JSON, with the schema in either schema mode', async (t) => {
  const jsonObject = await convert({ messages: [{ role: 'user', content: 'Hi' }], response_format: { type: 'json_object' } });
  t.deepEqual(jsonObject.generationConfig, { responseMimeType: 'application/json' });

  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { city: { type: 'string' }, temperature: { type: ['number', 'null'] } },
    required: ['city', 'temperature'],
    additionalProperties: false,
  };
  const format = { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema } };
  const jsonSchema = await convert({ messages: [{ role: 'user', content: 'Hi' }], response_format: format });
  const { $schema: _dropped, ...withoutDeclaration } = schema;
  t.deepEqual(jsonSchema.generationConfig, { responseMimeType: 'application/json', responseJsonSchema: withoutDeclaration });

  const openapi = await convert({ messages: [{ role: 'user', content: 'Hi' }], response_format: format }, 'gemini-2.5-flash', { schemaMode: 'openapi' });
  t.deepEqual(openapi.generationConfig, {
    responseMimeType: 'application/json',
    responseSchema: {
      type: 'object',
      properties: { city: { type: 'string' }, temperature: { type: 'number', nullable: true } },
      required: ['city', 'temperature'],
    },
  });
});

test('images: data URLs inline, http(s) URLs through the media fetcher, Files API and YouTube URIs by reference', async (t) => {
  const fetched: string[] = [];
  const fetchMedia: MediaFetcher = async (url) => {
    fetched.push(url);
    return { mimeType: 'image/jpeg', data: 'SlBFRw==' };
  };
  const request = await convert(
    {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'image_url', image_url: { url: 'https://www.youtube.com/watch?v=abc' } },
          ],
        },
      ],
    },
    'gemini-2.5-flash',
    { fetchMedia },
  );
  t.deepEqual(fetched, ['https://example.com/cat.jpg']);
  t.deepEqual(request.contents[0]!.parts, [
    { text: 'Compare' },
    { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
    { inlineData: { mimeType: 'image/jpeg', data: 'SlBFRw==' } },
    { fileData: { fileUri: 'https://www.youtube.com/watch?v=abc' } },
  ]);
  const error = await rejection(
    convert({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }] }] }),
  );
  t.is(error.status, 400);
  t.is(error.param, 'messages[0].content[0].image_url.url');
});

test('input_audio and PDF file parts are sent inline; unknown part types are a 400 naming the part', async (t) => {
  const request = await convert({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
          { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          { type: 'file', file: { filename: 'notes.txt', file_data: 'aGVsbG8=' } },
        ],
      },
    ],
  });
  t.deepEqual(request.contents[0]!.parts, [
    { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
    { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    { inlineData: { mimeType: 'text/plain', data: 'aGVsbG8=' } },
  ]);
  const error = await rejection(convert({ messages: [{ role: 'user', content: [{ type: 'video_url', video_url: 'x' }] }] }));
  t.is(error.param, 'messages[0].content[0].type');
  const fileId = await rejection(convert({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }));
  t.is(fileId.param, 'messages[0].content[0].file');
});

test('a conversation of system messages only still sends a user turn', async (t) => {
  const request = await convert({ messages: [{ role: 'system', content: 'Say hello.' }] });
  t.deepEqual(request.systemInstruction, { parts: [{ text: 'Say hello.' }] });
  t.deepEqual(request.contents, [{ role: 'user', parts: [{ text: ' ' }] }]);
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    strict: true,
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { anyOf: [{ type: 'string', enum: ['c', 'f'] }, { type: 'null' }] } },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const clockTool = { type: 'function', function: { name: 'get_time', description: 'The current time' } };
const emptyArgsTool = { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } };

test('tools become one functionDeclarations tool; JSON Schema kept whole; zero-argument functions declare no schema', async (t) => {
  const request = await convert({ messages: [{ role: 'user', content: 'Hi' }], tools: [weatherTool, clockTool, emptyArgsTool] });
  t.deepEqual(request.tools, [
    {
      functionDeclarations: [
        { name: 'get_weather', description: 'Weather for a city', parametersJsonSchema: weatherTool.function.parameters },
        { name: 'get_time', description: 'The current time' },
        { name: 'ping' },
      ],
    },
  ]);
  t.is(request.toolConfig, undefined);
});

test('in openapi schema mode tool parameters are sanitised to the Schema subset', async (t) => {
  const request = await convert({ messages: [{ role: 'user', content: 'Hi' }], tools: [weatherTool, emptyArgsTool] }, 'gemini-2.5-flash', {
    schemaMode: 'openapi',
  });
  t.deepEqual(request.tools![0]!.functionDeclarations, [
    {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'], nullable: true } },
        required: ['city', 'unit'],
      },
    },
    { name: 'ping' },
  ]);
});

test('tool_choice maps to functionCallingConfig', async (t) => {
  const messages = [{ role: 'user', content: 'Hi' }];
  const tools = [weatherTool, clockTool];
  const config = async (tool_choice: unknown) => (await convert({ messages, tools, tool_choice })).toolConfig;
  t.deepEqual(await config('auto'), { functionCallingConfig: { mode: 'AUTO' } });
  t.deepEqual(await config('none'), { functionCallingConfig: { mode: 'NONE' } });
  t.deepEqual(await config('required'), { functionCallingConfig: { mode: 'ANY' } });
  t.deepEqual(await config({ type: 'function', function: { name: 'get_time' } }), {
    functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] },
  });
  const allowed = await convert({
    messages,
    tools,
    tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'get_time' } }] } },
  });
  t.deepEqual(allowed.toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
  t.deepEqual(allowed.tools![0]!.functionDeclarations!.map((declaration) => declaration.name), ['get_time']);
  const unknown = await rejection(config({ type: 'function', function: { name: 'nope' } }));
  t.is(unknown.param, 'tool_choice');
  t.is((await convert({ messages, tool_choice: 'required' })).toolConfig, undefined);
});

test('built-in tools: search for -search models (never for the plain model), code execution and URL context when enabled', async (t) => {
  const messages = [{ role: 'user', content: 'News?' }];
  const search = await convert({ messages }, 'gemini-2.5-flash-search');
  t.deepEqual(search.tools, [{ googleSearch: {} }]);
  const plain = await toGeminiRequest(parse({ model: 'x', messages }), parseGeminiModel('models/gemini-2.5-pro'), baseOptions);
  t.is(plain.tools, undefined, 'the plain model gets no search');
  const image = await toGeminiRequest(parse({ model: 'x', messages }), parseGeminiModel('gemini-2.0-flash-image', ['gemini-2.0-flash']), baseOptions);
  t.deepEqual(image.generationConfig?.responseModalities, ['TEXT', 'IMAGE']);
  const all = await convert({ messages }, 'gemini-2.5-flash', { codeExecution: true, urlContext: true });
  t.deepEqual(all.tools, [{ codeExecution: {} }, { urlContext: {} }]);
  const webSearchOption = await convert({ messages, web_search_options: {} });
  t.deepEqual(webSearchOption.tools, [{ googleSearch: {} }]);
  // Before Gemini 3 function calling and built-in tools do not mix: the client's functions win.
  const withFunctions = await convert({ messages, tools: [clockTool] }, 'gemini-2.5-flash-search', { codeExecution: true });
  t.deepEqual(withFunctions.tools, [{ functionDeclarations: [{ name: 'get_time', description: 'The current time' }] }]);
  const gemini3 = await convert({ messages, tools: [clockTool] }, 'gemini-3-pro-preview-search');
  t.deepEqual(gemini3.tools, [{ functionDeclarations: [{ name: 'get_time', description: 'The current time' }] }, { googleSearch: {} }]);
});

test('assistant tool calls become functionCall parts after the text; tool results are grouped in call order', async (t) => {
  const request = await convert({
    messages: [
      { role: 'user', content: 'Weather in Paris and Rome, and the time?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_paris', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_rome', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          { id: 'call_time', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_time', content: '12:00' },
      { role: 'tool', tool_call_id: 'call_paris', content: '{"temperature":21,"sky":"clear"}' },
      { role: 'tool', tool_call_id: 'call_rome', content: [{ type: 'text', text: '[1,2]' }] },
      { role: 'user', content: 'Thanks' },
    ],
    tools: [weatherTool, clockTool],
  });
  t.deepEqual(request.contents, [
    { role: 'user', parts: [{ text: 'Weather in Paris and Rome, and the time?' }] },
    {
      role: 'model',
      parts: [
        { text: 'Let me check.' },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
        { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    },
    {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temperature: 21, sky: 'clear' } } },
        { functionResponse: { name: 'get_weather', response: { output: [1, 2] } } },
        { functionResponse: { name: 'get_time', response: { output: '12:00' } } },
        { text: 'Thanks' },
      ],
    },
  ]);
});

test('a tool result for an unknown call id, or arguments that are not a JSON object, are 400s', async (t) => {
  const unknown = await rejection(
    convert({ messages: [{ role: 'user', content: 'Hi' }, { role: 'tool', tool_call_id: 'call_missing', content: 'x' }] }),
  );
  t.is(unknown.status, 400);
  t.is(unknown.param, 'messages[1].tool_call_id');
  const assistant = (args: string) => ({
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: args } }],
  });
  const notJson = await rejection(convert({ messages: [{ role: 'user', content: 'Hi' }, assistant('{oops')] }));
  t.is(notJson.param, 'messages[1].tool_calls[0].function.arguments');
  const notObject = await rejection(convert({ messages: [{ role: 'user', content: 'Hi' }, assistant('[1]')] }));
  t.is(notObject.param, 'messages[1].tool_calls[0].function.arguments');
});

test('thought signatures and Gemini call ids come back from the tool-call id on the next turn', async (t) => {
  const signature = 'EqUCCqICAb4+9vsh8Pd5taZVoPzSvjWWwzBrvhEQWBLCGa7IdY8FBMm7Z6dCKFU3Ft0la15gF7RaHe1NlPRygQec0bFwPDfMwGcUOMNiJiNIKxusCs4ejCZRuouNYQ4etEIt7CujEUHiILLfZXSJZYhs4UCrD2bLqPq0sE0lWgYJnzHkkKUOnMsA2hKffAhtF4DWn5INYj8pPssvch/2VpDFW2F9XSE04zLDzkIWF2eztJX50Y0lTehRZC3FW7fOrXCzGx+PwdataD6eXlF5O1zn+86XtmktOs2DEp4o1PMvXFFAXe8GGvPt8Idf3UtHMq7AsapwMW9sjiKj+FJk54m+9LMTSaj7C86smfvoQryYBEHTVazr1bEnpl4bPG5JUtm2yAMkHj4=';
  const signedId = encodeToolCallId({ thoughtSignature: signature, geminiId: 'fc-42' });
  const plainId = encodeToolCallId();
  const request = await convert(
    {
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: signedId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: plainId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: signedId, content: 'sunny' },
        { role: 'tool', tool_call_id: plainId, content: 'rain' },
      ],
    },
    'gemini-3-pro-preview',
  );
  t.deepEqual(request.contents[1], {
    role: 'model',
    parts: [
      { functionCall: { id: 'fc-42', name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: signature },
      { functionCall: { name: 'get_weather', args: { city: 'Rome' } } },
    ],
  });
  t.deepEqual(request.contents[2], {
    role: 'user',
    parts: [
      { functionResponse: { id: 'fc-42', name: 'get_weather', response: { output: 'sunny' } } },
      { functionResponse: { name: 'get_weather', response: { output: 'rain' } } },
    ],
  });
});

test('Gemini 3 gets the documented sentinel on a first function call whose signature was lost; older models do not', async (t) => {
  const messages = [
    { role: 'user', content: 'Weather?' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'toolu_02', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'toolu_01', content: 'sunny' },
    { role: 'tool', tool_call_id: 'toolu_02', content: 'rain' },
  ];
  const gemini3 = await convert({ messages }, 'gemini-3-flash-preview');
  t.is(gemini3.contents[1]!.parts[0]!.thoughtSignature, THOUGHT_SIGNATURE_SENTINEL);
  t.is(gemini3.contents[1]!.parts[1]!.thoughtSignature, undefined);
  const gemini25 = await convert({ messages }, 'gemini-2.5-flash');
  t.false(gemini25.contents[1]!.parts.some((part) => part.thoughtSignature !== undefined));
});

test("a signature in Google's extra_content field (their OpenAI endpoint's convention) is honoured too", async (t) => {
  const request = await convert(
    {
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'abc',
              type: 'function',
              function: { name: 'get_weather', arguments: '{}' },
              extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } },
            },
          ],
        },
      ],
    },
    'gemini-3-pro-preview',
  );
  t.is(request.contents[1]!.parts[0]!.thoughtSignature, 'c2lnbmF0dXJl');
});

test('tool-call ids round-trip a signature exactly and stay within [A-Za-z0-9_-]', (t) => {
  for (const signature of ['ab+/cd==', 'ab+/cde=', 'ab+/', 'odd+len/gth', 'skip_thought_signature_validator', 'not base64 at all: ✓']) {
    const id = encodeToolCallId({ thoughtSignature: signature, geminiId: 'call 7/x' });
    t.regex(id, /^call_[A-Za-z0-9_-]+$/);
    t.deepEqual(decodeToolCallId(id), { geminiId: 'call 7/x', thoughtSignature: signature }, signature);
    t.deepEqual(decodeToolCallId(encodeToolCallId({ thoughtSignature: signature })), { thoughtSignature: signature }, signature);
  }
  t.deepEqual(decodeToolCallId(encodeToolCallId()), {});
  t.deepEqual(decodeToolCallId('call_abc'), {});
  t.deepEqual(decodeToolCallId('toolu_01ABC'), {});
  t.not(encodeToolCallId(), encodeToolCallId());
});

test('legacy function messages become function responses named by the message', async (t) => {
  const request = await convert({
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: null, function_call: { name: 'get_time', arguments: '{}' } },
      { role: 'function', name: 'get_time', content: '{"time":"12:00"}' },
    ],
  });
  t.deepEqual(request.contents.slice(1), [
    { role: 'model', parts: [{ functionCall: { name: 'get_time', args: {} } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_time', response: { time: '12:00' } } }] },
  ]);
});
