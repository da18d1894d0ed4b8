import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import { type ChatCompletionRequest, chatCompletionRequestSchema } from '../../../src/core/openai-schemas.js';
import type { MediaFetcher } from '../../../src/upstream/media.js';
import { toOllamaMessages } from '../../../src/providers/ollama/messages.js';
import { toOllamaChatRequest, toOllamaFormat, toOllamaOptions, toOllamaThink, toOllamaTools } from '../../../src/providers/ollama/request.js';

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const request = (fields: Record<string, unknown>): ChatCompletionRequest =>
  chatCompletionRequestSchema.parse({ model: 'ollama/llama3.1:8b', messages: [{ role: 'user', content: 'Hi' }], ...fields });

const noFetch: MediaFetcher = async (url) => {
  throw new Error(`unexpected fetch of ${url}`);
};

function rejection(t: { true: (value: boolean) => void }, error: unknown): GatewayError {
  t.true(error instanceof GatewayError);
  return error as GatewayError;
}

test('the minimal request names the upstream model, converts the message and says stream: false explicitly', async (t) => {
  const body = await toOllamaChatRequest(request({}), 'llama3.1:8b', noFetch);
  t.deepEqual(body, { model: 'llama3.1:8b', messages: [{ role: 'user', content: 'Hi' }], stream: false });
  t.is(JSON.stringify(body), '{"model":"llama3.1:8b","messages":[{"role":"user","content":"Hi"}],"stream":false}');
});

test('stream: true is sent as true', async (t) => {
  t.is((await toOllamaChatRequest(request({ stream: true }), 'm', noFetch)).stream, true);
});

test('system and developer messages become system; text parts are joined with a line break', async (t) => {
  const messages = await toOllamaMessages(
    request({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }, { type: 'text', text: 'No emojis.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] },
      ],
    }).messages,
    noFetch,
  );
  t.deepEqual(messages, [
    { role: 'system', content: 'Be brief.' },
    { role: 'system', content: 'Answer in French.\nNo emojis.' },
    { role: 'user', content: 'Hello\nthere' },
  ]);
});

test('images become bare base64 in images: data URLs in place, http(s) URLs through the fetcher', async (t) => {
  const fetched: string[] = [];
  const fetchMedia: MediaFetcher = async (url) => {
    fetched.push(url);
    return { mimeType: 'image/jpeg', data: 'L2pwZWcv' };
  };
  const messages = await toOllamaMessages(
    request({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' } },
          ],
        },
      ],
    }).messages,
    fetchMedia,
  );
  t.deepEqual(messages, [{ role: 'user', content: 'Compare these.', images: [PNG_BASE64, 'L2pwZWcv'] }]);
  t.deepEqual(fetched, ['https://example.com/cat.jpg']);
});

test('a failing image fetch fails the conversion with the fetcher error', async (t) => {
  const fetchMedia: MediaFetcher = async () => {
    throw new GatewayError(400, 'Could not fetch the image.', { code: 'invalid_image_url' });
  };
  const error = await t.throwsAsync(
    toOllamaMessages(request({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }).messages, fetchMedia),
  );
  t.is(rejection(t, error).code, 'invalid_image_url');
});

test('parts Ollama cannot take are refused with the part named, before any image is fetched', async (t) => {
  let fetches = 0;
  const fetchMedia: MediaFetcher = async () => {
    fetches++;
    return { mimeType: 'image/png', data: PNG_BASE64 };
  };
  const error = await t.throwsAsync(
    toOllamaMessages(
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
              { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
            ],
          },
        ],
      }).messages,
      fetchMedia,
    ),
  );
  const failure = rejection(t, error);
  t.is(failure.status, 400);
  t.is(failure.param, 'messages[0].content[1].type');
  t.is(fetches, 0);
  const inSystem = await t.throwsAsync(
    toOllamaMessages(request({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }).messages, fetchMedia),
  );
  t.is(rejection(t, inSystem).param, 'messages[0].content[0].type');
});

test('assistant tool calls carry object arguments and their ids; tool results carry tool_name and tool_call_id', async (t) => {
  const messages = await toOllamaMessages(
    request({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'Two cities, two calls.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
        { role: 'tool', tool_call_id: 'call_a', content: [{ type: 'text', text: '18°C' }] },
        { role: 'tool', tool_call_id: 'call_unknown', content: 'orphan' },
      ],
    }).messages,
    noFetch,
  );
  t.deepEqual(messages, [
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: '',
      thinking: 'Two cities, two calls.',
      tool_calls: [
        { id: 'call_a', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
        { id: 'call_b', function: { name: 'get_time', arguments: {} } },
      ],
    },
    { role: 'tool', content: '12:00', tool_name: 'get_time', tool_call_id: 'call_b' },
    { role: 'tool', content: '18°C', tool_name: 'get_weather', tool_call_id: 'call_a' },
    { role: 'tool', content: 'orphan', tool_call_id: 'call_unknown' },
  ]);
});

test('assistant text and refusal parts are joined; a text part without text names the missing field', async (t) => {
  const messages = await toOllamaMessages(
    request({ messages: [{ role: 'assistant', content: [{ type: 'text', text: 'Partly.' }, { type: 'refusal', refusal: 'Not that part.' }] }] }).messages,
    noFetch,
  );
  t.deepEqual(messages, [{ role: 'assistant', content: 'Partly.\nNot that part.' }]);
  const error = await t.throwsAsync(toOllamaMessages(request({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }).messages, noFetch));
  t.is(rejection(t, error).param, 'messages[0].content[0].text');
});

test('the legacy function role becomes a tool result named by the function', async (t) => {
  const messages = await toOllamaMessages(request({ messages: [{ role: 'function', name: 'lookup', content: '42' }] }).messages, noFetch);
  t.deepEqual(messages, [{ role: 'tool', content: '42', tool_name: 'lookup' }]);
});

test('tool call arguments that are not a JSON object are the client’s mistake', async (t) => {
  for (const args of ['{"city":', '[1,2]', '"Paris"']) {
    const error = await t.throwsAsync(
      toOllamaMessages(
        request({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] }] }).messages,
        noFetch,
      ),
    );
    const failure = rejection(t, error);
    t.is(failure.status, 400);
    t.is(failure.param, 'messages[0].tool_calls[0].function.arguments');
  }
});

test('tools keep name, description and parameters; strict is dropped; a missing schema becomes an empty object schema', (t) => {
  const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
  const tools = request({
    tools: [
      { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters, strict: true } },
      { type: 'function', function: { name: 'ping' } },
    ],
  }).tools;
  t.deepEqual(toOllamaTools(tools, undefined), [
    { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters } },
    { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } },
  ]);
});

test('tool_choice: none sends no tools, a named function only that tool, auto and required all of them', (t) => {
  const tools = request({
    tools: [
      { type: 'function', function: { name: 'a', parameters: { type: 'object' } } },
      { type: 'function', function: { name: 'b', parameters: { type: 'object' } } },
    ],
  }).tools;
  t.is(toOllamaTools(tools, 'none'), undefined);
  t.deepEqual(toOllamaTools(tools, { type: 'function', function: { name: 'b' } })?.map((tool) => tool.function.name), ['b']);
  t.deepEqual(toOllamaTools(tools, 'auto')?.map((tool) => tool.function.name), ['a', 'b']);
  t.deepEqual(toOllamaTools(tools, 'required')?.map((tool) => tool.function.name), ['a', 'b']);
  t.is(toOllamaTools([], 'auto'), undefined);
  const unknown = t.throws(() => toOllamaTools(tools, { type: 'function', function: { name: 'c' } }));
  t.is(rejection(t, unknown).param, 'tool_choice');
  const custom = t.throws(() => toOllamaTools(request({ tools: [{ type: 'custom', custom: { name: 'x' } }] }).tools, undefined));
  t.is(rejection(t, custom).param, 'tools[0].type');
});

test('sampling parameters map field by field into options; nothing the client did not send', (t) => {
  t.is(toOllamaOptions(request({})), undefined);
  t.deepEqual(
    toOllamaOptions(
      request({
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        seed: 7,
        stop: ['</s>', 'User:'],
        max_tokens: 100,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
      }),
    ),
    { temperature: 0.2, top_p: 0.9, top_k: 40, seed: 7, stop: ['</s>', 'User:'], num_predict: 100, presence_penalty: 0.5, frequency_penalty: -0.5 },
  );
  t.deepEqual(toOllamaOptions(request({ temperature: 0 })), { temperature: 0 }, 'zero is a value, not an absence');
  t.deepEqual(toOllamaOptions(request({ temperature: null, top_p: null })), undefined);
});

test('a single stop string becomes an array (Ollama rejects a string); an empty list is not sent', (t) => {
  t.deepEqual(toOllamaOptions(request({ stop: 'END' })), { stop: ['END'] });
  t.is(toOllamaOptions(request({ stop: [] })), undefined);
});

test('max_completion_tokens wins over max_tokens as num_predict', (t) => {
  t.deepEqual(toOllamaOptions(request({ max_tokens: 50, max_completion_tokens: 80 })), { num_predict: 80 });
  t.deepEqual(toOllamaOptions(request({ max_completion_tokens: 80 })), { num_predict: 80 });
});

test('top_k that is not an integer is refused', (t) => {
  const error = t.throws(() => toOllamaOptions(request({ top_k: 'many' })));
  t.is(rejection(t, error).param, 'top_k');
  t.throws(() => toOllamaOptions(request({ top_k: 1.5 })));
});

test('response_format: json_object is "json", json_schema is the schema itself, text is nothing', (t) => {
  const schema = { type: 'object', properties: { age: { type: 'integer' } }, required: ['age'] };
  t.is(toOllamaFormat(undefined), undefined);
  t.is(toOllamaFormat({ type: 'text' }), undefined);
  t.is(toOllamaFormat({ type: 'json_object' }), 'json');
  t.deepEqual(toOllamaFormat({ type: 'json_schema', json_schema: { name: 'person', schema, strict: true } }), schema);
  t.is(toOllamaFormat({ type: 'json_schema', json_schema: { name: 'anything' } }), 'json');
});

test('reasoning_effort becomes think: none turns it off, levels pass, OpenAI-only levels go to the nearest', (t) => {
  t.is(toOllamaThink(undefined), undefined);
  t.is(toOllamaThink(null), undefined);
  t.is(toOllamaThink('none'), false);
  t.is(toOllamaThink('minimal'), 'low');
  t.is(toOllamaThink('low'), 'low');
  t.is(toOllamaThink('medium'), 'medium');
  t.is(toOllamaThink('high'), 'high');
  t.is(toOllamaThink('xhigh'), 'high');
  const error = t.throws(() => toOllamaThink('maximum'));
  t.is(rejection(t, error).param, 'reasoning_effort');
});

test('the whole request: every converted field in place, in a stable order', async (t) => {
  const body = await toOllamaChatRequest(
    request({
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      max_tokens: 64,
      response_format: { type: 'json_object' },
      reasoning_effort: 'low',
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
      logprobs: true,
      top_logprobs: 2,
      user: 'someone',
      parallel_tool_calls: true,
    }),
    'gpt-oss:20b',
    noFetch,
  );
  t.deepEqual(Object.keys(body), ['model', 'messages', 'stream', 'tools', 'format', 'options', 'think', 'logprobs', 'top_logprobs']);
  t.deepEqual(body, {
    model: 'gpt-oss:20b',
    messages: [{ role: 'user', content: 'Hi' }],
    stream: true,
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
    format: 'json',
    options: { temperature: 0.3, num_predict: 64 },
    think: 'low',
    logprobs: true,
    top_logprobs: 2,
  });
});

test('top_logprobs without logprobs is not sent', async (t) => {
  const body = await toOllamaChatRequest(request({ top_logprobs: 3 }), 'm', noFetch);
  t.false('top_logprobs' in body);
  t.false('logprobs' in body);
});

test('n above 1 is refused: Ollama answers with one choice', async (t) => {
  const error = await t.throwsAsync(toOllamaChatRequest(request({ n: 2 }), 'm', noFetch));
  t.is(rejection(t, error).param, 'n');
  await t.notThrowsAsync(toOllamaChatRequest(request({ n: 1 }), 'm', noFetch));
});
