import type { TokenUsage } from '../../core/usage.js';
import { StreamTally } from '../shared/stream-tally.js';
import type { StreamResult } from '../types.js';

interface CompletionChoice {
  index?: number;
  message?: Record<string, unknown> & { tool_calls?: Record<string, unknown>[] };
  finish_reason?: string | null;
  logprobs?: unknown;
}

export interface ChatCompletionLike {
  id?: string;
  created?: number;
  model?: string;
  system_fingerprint?: string;
  choices?: CompletionChoice[];
  usage?: unknown;
}

/**
 * The stream a complete `chat.completion` would have been: one chunk per choice carrying the whole message as its
 * delta (tool calls numbered), then the usage chunk when the client asked for it. For upstreams that answer a
 * streaming request with a plain JSON completion.
 */
export function completionAsChunks(completion: ChatCompletionLike, includeUsage: boolean): string[] {
  const base = {
    id: completion.id ?? 'chatcmpl-gateway',
    object: 'chat.completion.chunk',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model ?? '',
    ...(completion.system_fingerprint === undefined ? {} : { system_fingerprint: completion.system_fingerprint }),
  };
  const chunks = (completion.choices ?? []).map((choice, position) => {
    const { tool_calls: toolCalls, ...message } = choice.message ?? {};
    const delta = toolCalls ? { ...message, tool_calls: toolCalls.map((call, index) => ({ index, ...call })) } : message;
    return JSON.stringify({
      ...base,
      choices: [{ index: choice.index ?? position, delta, logprobs: choice.logprobs ?? null, finish_reason: choice.finish_reason ?? 'stop' }],
    });
  });
  if (includeUsage && completion.usage !== undefined) chunks.push(JSON.stringify({ ...base, choices: [], usage: completion.usage }));
  return chunks;
}

/**
 * A complete answer to a streaming request as a one-batch stream, with its text and `usage` (the answer's usage as
 * the provider read it) reported.
 */
export function completionAsStream(completion: ChatCompletionLike, usage: TokenUsage | undefined, includeUsage: boolean, excerptChars: number | undefined): StreamResult {
  const tally = new StreamTally(excerptChars);
  tally.reportUsage(usage);
  for (const choice of completion.choices ?? []) if (choice.message) tally.countDelta(choice.message);
  const chunks = completionAsChunks(completion, includeUsage);
  return { kind: 'stream', events: (async function* () { yield chunks; })(), report: tally };
}
