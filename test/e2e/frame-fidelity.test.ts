import { readdirSync } from 'node:fs';
import test from 'ava';
import { z } from 'zod';
import { FakeAnthropicUpstream } from '../fakes/anthropic-upstream.js';
import { FakeGeminiUpstream } from '../fakes/gemini-upstream.js';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { fixturePath, readChunkLines } from '../helpers/fixtures.js';
import { CLIENT_TOKEN, gatewayInFrontOf, type RunningGateway } from '../helpers/gateway.js';

// Every frame a client receives on /v1/chat/completions is a chat.completion.chunk (or, after a failure, one error
// event and nothing more), and every JSON answer a chat.completion, for every recorded stream of every provider
// family, replayed by the fakes through the real gateway.

const finishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']).nullable();
const toolCallDelta = z.strictObject({
  index: z.number().int().min(0),
  id: z.string().min(1).optional(),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().optional(), arguments: z.string().optional() }).optional(),
  extra_content: z.unknown().optional(),
});
const usage = z.looseObject({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0), total_tokens: z.number().int().min(0) });
const chunkSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string().min(1),
  choices: z.array(
    z.looseObject({
      index: z.number().int().min(0),
      delta: z.looseObject({
        role: z.literal('assistant').optional(),
        content: z.string().nullable().optional(),
        reasoning_content: z.string().nullable().optional(),
        refusal: z.string().nullable().optional(),
        tool_calls: z.array(toolCallDelta).optional(),
      }),
      finish_reason: finishReason.optional(),
    }),
  ),
  usage: usage.nullable().optional(),
});
const completionSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string().min(1),
  choices: z
    .array(
      z.looseObject({
        index: z.number().int().min(0),
        message: z.looseObject({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          tool_calls: z.array(z.looseObject({ id: z.string().min(1), type: z.literal('function'), function: z.looseObject({ name: z.string(), arguments: z.string() }) })).optional(),
        }),
        finish_reason: finishReason,
      }),
    )
    .min(1),
  usage: usage.optional(),
});
const errorFrame = z.strictObject({ error: z.looseObject({ message: z.string(), type: z.string() }) });

const recordings = (folder: string, only: (firstLine: string) => boolean = () => true) =>
  readdirSync(fixturePath(folder))
    .filter((file) => file.endsWith('.chunks.txt') && only(readChunkLines(`${folder}/${file}`)[0] ?? ''))
    .map((file) => file.slice(0, -'.chunks.txt'.length));

async function checkStream(t: import('ava').ExecutionContext, gw: RunningGateway, model: string, label: string): Promise<void> {
  for (const includeUsage of [false, true]) {
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content: 'Hi' }] }),
    });
    if (response.status !== 200) {
      t.true(errorFrame.safeParse(await response.json()).success, `${label}: an error answer in OpenAI's shape`);
      continue;
    }
    const frames = (await response.text()).split('\n\n').filter((frame) => frame !== '');
    let failed = false;
    let done = false;
    for (const frame of frames) {
      t.false(failed || done, `${label}: nothing follows an error event or [DONE]`);
      t.true(frame.startsWith('data: '), `${label}: ${frame.slice(0, 40)}`);
      const data = frame.slice('data: '.length);
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      const payload = JSON.parse(data) as unknown;
      if (errorFrame.safeParse(payload).success) {
        failed = true;
        continue;
      }
      const parsed = chunkSchema.safeParse(payload);
      t.true(parsed.success, `${label}: ${data.slice(0, 200)} ${JSON.stringify(parsed.error?.issues ?? '')}`);
    }
    t.true(done || failed, `${label}: the stream ends with [DONE] or an error event`);
  }
}

async function checkWhole(t: import('ava').ExecutionContext, gw: RunningGateway, model: string, label: string): Promise<void> {
  const response = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  const body = (await response.json()) as unknown;
  const schema = response.status === 200 ? completionSchema : errorFrame;
  const parsed = schema.safeParse(body);
  t.true(parsed.success, `${label}: ${JSON.stringify(body).slice(0, 200)} ${JSON.stringify(parsed.error?.issues ?? '')}`);
}

test('OpenAI-compatible recordings (OpenAI, DeepSeek, DashScope, xAI) reach the client as valid chunks, each through its own provider', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeOpenAIUpstream(), (upstream) => ({
    OPENAI_API_KEY: 'sk-frames-openai-00000000000001',
    OPENAI_BASE_URL: upstream.url,
    DEEPSEEK_API_KEY: 'sk-frames-deepseek-000000000001',
    DEEPSEEK_BASE_URL: upstream.url,
    DASHSCOPE_API_KEY: 'sk-frames-dashscope-00000000001',
    DASHSCOPE_BASE_URL: upstream.url,
  }));
  const sets: [string, string, string[]][] = [
    ['openai', 'gpt-4o', recordings('openai', (line) => line.includes('"chat.completion.chunk"'))],
    ['deepseek', 'deepseek-chat', recordings('deepseek')],
    ['alibaba', 'qwen-plus', recordings('alibaba')],
    ['openai-compatible', 'gpt-4o', recordings('openai-compatible')],
  ];
  let checked = 0;
  for (const [folder, model, names] of sets) {
    for (const name of names) {
      fake.script = () => ({ kind: 'fixture', name: `${folder}/${name}` });
      await checkStream(t, gw, model, `${folder}/${name}`);
      checked += 1;
    }
  }
  t.true(checked >= 8, `${checked} recordings`);
});

test('Gemini recordings reach the client as valid chunks and completions', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeGeminiUpstream(), (upstream) => ({ API_KEYS: JSON.stringify(['AIzaSyFramesGemini0000000000000000001']), BASE_URL: upstream.url }));
  const names = recordings('google');
  t.true(names.length >= 8);
  for (const name of names) {
    fake.script = () => ({ kind: 'fixture', name: `google/${name}` });
    await checkStream(t, gw, 'gemini-2.5-flash', `google/${name}`);
    try {
      readChunkLines(`google/${name}.json`);
      await checkWhole(t, gw, 'gemini-2.5-flash', `google/${name}.json`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
});

test('Anthropic recordings reach the client as valid chunks and completions', async (t) => {
  const { fake, gw } = await gatewayInFrontOf(t, new FakeAnthropicUpstream(), (upstream) => ({ ANTHROPIC_API_KEY: 'sk-ant-api03-frames-000000000001', ANTHROPIC_BASE_URL: upstream.url }));
  const names = recordings('anthropic');
  t.true(names.length >= 20);
  for (const name of names) {
    fake.script = () => ({ kind: 'fixture', name });
    await checkStream(t, gw, 'claude-sonnet-4-5', `anthropic/${name}`);
  }
});
