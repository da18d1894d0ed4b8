import type { ExecutionContext } from 'ava';
import { CancellationSource } from '../../src/core/cancellation.js';
import { chatCompletionRequestSchema } from '../../src/core/openai-schemas.js';
import type { TokenUsage } from '../../src/core/usage.js';
import { OpenAICompatibleProvider } from '../../src/providers/openai-compatible/provider.js';
import type { UsageReader } from '../../src/providers/openai-compatible/usage.js';
import { UpstreamHttp } from '../../src/upstream/http-client.js';
import { type FakeBehaviour, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';

export interface AnsweredUsage {
  json: TokenUsage | undefined;
  stream: TokenUsage | undefined;
}

/**
 * The usage an OpenAI-compatible provider reads from one answer given whole and streamed by a fake upstream: a
 * recorded fixture (`name`, its `.json` and `.chunks.txt`), or a generated reply reporting `usage`.
 */
export async function compatibleUsage(t: ExecutionContext, answer: { fixture: string } | { usage: Record<string, unknown> }, readUsage?: UsageReader): Promise<AnsweredUsage> {
  const fake = await new FakeOpenAIUpstream().start();
  const http = new UpstreamHttp(10_000);
  t.teardown(async () => {
    http.close();
    await fake.stop();
  });
  const behaviour: FakeBehaviour = 'fixture' in answer ? { kind: 'fixture', name: answer.fixture } : { kind: 'reply', text: 'Reported.' };
  if ('usage' in answer) fake.usage = answer.usage;
  fake.script = () => behaviour;
  const provider = new OpenAICompatibleProvider({ id: 'compat', baseUrl: fake.url, http, readUsage });
  const call = (stream: boolean) => ({
    request: chatCompletionRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream }),
    rawBody: undefined,
    upstreamModel: 'm',
    apiKey: 'sk-usage-test-000000000000',
    cancellation: new CancellationSource(),
  });
  const whole = await provider.chatCompletions(call(false));
  const streamed = await provider.chatCompletions(call(true));
  if (whole.kind !== 'json' || streamed.kind !== 'stream') throw new Error('expected a JSON answer and a stream');
  for await (const batch of streamed.events) void batch;
  return { json: whole.usage, stream: streamed.report.usage };
}
