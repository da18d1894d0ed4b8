import test from 'ava';
import { GatewayError } from '../../../src/core/errors.js';
import type { CompletionsRequest } from '../../../src/core/openai-schemas.js';
import { completionChunkFromChatChunk, completionFromChatAnswer } from '../../../src/protocols/openai-completions/from-chat.js';
import { completionToChatRequest } from '../../../src/protocols/openai-completions/to-chat-request.js';
import { readChunkLines, readFixture } from '../../helpers/fixtures.js';

test('the prompt becomes one user message; sampling settings carry over', (t) => {
  t.deepEqual(completionToChatRequest({ prompt: ['Say hi'], max_tokens: 5, temperature: 0, stop: ['\n'], stream: true, stream_options: { include_usage: true }, n: 2 }, 'claude-haiku'), {
    model: 'claude-haiku',
    messages: [{ role: 'user', content: 'Say hi' }],
    max_tokens: 5,
    temperature: 0,
    n: 2,
    stop: ['\n'],
    stream: true,
    stream_options: { include_usage: true },
  });
});

const refusedParams: [string, Partial<CompletionsRequest>][] = [
  ['echo', { echo: true }],
  ['suffix', { suffix: '}' }],
  ['logprobs', { logprobs: 2 }],
  ['best_of', { best_of: 3 }],
  ['prompt', { prompt: ['one', 'two'] }],
  ['prompt', { prompt: [1, 2, 3] }],
];
for (const [param, fields] of refusedParams) {
  test(`what chat cannot do is refused, not dropped: ${JSON.stringify(fields)}`, (t) => {
    const error = t.throws(() => completionToChatRequest({ prompt: 'x', ...fields } as CompletionsRequest, 'm'), { instanceOf: GatewayError });
    t.is(error?.status, 400);
    t.is((error as GatewayError).param, param);
  });
}

test('a chat answer (DeepSeek recording) as a text_completion', (t) => {
  const chat = JSON.parse(readFixture('deepseek/deepseek-text.json')) as { id: string; model: string; usage: unknown; choices: { message: { content: string }; finish_reason: string }[] };
  const completion = JSON.parse(completionFromChatAnswer(readFixture('deepseek/deepseek-text.json'))) as Record<string, any>;
  t.is(completion.object, 'text_completion');
  t.is(completion.model, chat.model);
  t.deepEqual(completion.choices, [{ text: chat.choices[0]!.message.content, index: 0, logprobs: null, finish_reason: chat.choices[0]!.finish_reason }]);
  t.deepEqual(completion.usage, chat.usage);
  // The same keys, in the same order, as OpenAI's own legacy completion.
  t.deepEqual(Object.keys(completion), Object.keys(JSON.parse(readFixture('openai/openai-completion-text.json')) as object));
});

test('chat chunks (OpenAI recording) as text_completion chunks: the role chunk is left out, text and finish reason kept, usage kept', (t) => {
  const lines = readChunkLines('openai/openai-text.chunks.txt');
  const converted = lines.map(completionChunkFromChatChunk);
  t.is(converted[0], undefined, 'the role chunk carries no text');
  const chunks = converted.filter((chunk): chunk is string => chunk !== undefined).map((chunk) => JSON.parse(chunk) as Record<string, any>);
  const chatText = lines.map((line) => (JSON.parse(line) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '').join('');
  t.is(chunks.map((chunk) => chunk.choices[0]?.text ?? '').join(''), chatText);
  t.true(chunks.every((chunk) => chunk.object === 'text_completion' && chunk.id.startsWith('cmpl-')));
  t.is(chunks.at(-2)!.choices[0].finish_reason, 'stop');
  t.deepEqual(chunks.at(-1)!.choices, []);
  t.is(chunks.at(-1)!.usage.total_tokens, (JSON.parse(lines.at(-1)!) as { usage: { total_tokens: number } }).usage.total_tokens);
  // OpenAI's own chunks, less the `usage: null` it writes into each when usage was asked for.
  const recorded = JSON.parse(readChunkLines('openai/openai-completion-text.chunks.txt')[0]!) as object;
  t.deepEqual(Object.keys(chunks[0]!), Object.keys(recorded).filter((key) => key !== 'usage'));
});
