import { failIfNotOk, requestHeaders } from '../shared/api.js';
import { sseData } from '../shared/sse.js';
import type { ChatMessage, ToolCall } from './conversation.js';

interface ChunkDelta {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[];
}

interface Chunk {
  choices?: { delta?: ChunkDelta }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  model?: string;
  error?: { message?: string };
}

/**
 * Streams one reply from /v1/chat/completions, calling `onUpdate` with the reply so far after each chunk: text,
 * reasoning, tool calls (assembled by index), usage from the final chunk, time to the first token and in total.
 * Aborting `signal` closes the connection, which makes the gateway cancel the upstream call.
 */
export async function streamReply(
  body: Record<string, unknown>,
  auth: { bearer?: string },
  signal: AbortSignal,
  onUpdate: (reply: ChatMessage) => void,
): Promise<ChatMessage> {
  const started = performance.now();
  const reply: ChatMessage = { role: 'assistant', content: '' };
  const calls: ToolCall[] = [];
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: requestHeaders({ method: 'POST', body, bearer: auth.bearer, headers: { accept: 'text/event-stream' } }),
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
    credentials: 'same-origin',
    signal,
  });
  await failIfNotOk(response);
  for await (const data of sseData(response.body!)) {
    const chunk = JSON.parse(data) as Chunk;
    if (chunk.error) throw new Error(chunk.error.message ?? 'The stream ended with an error.');
    if (chunk.model) reply.model = chunk.model;
    const delta = chunk.choices?.[0]?.delta;
    if (delta) {
      if (reply.firstTokenMs === undefined && (delta.content || delta.reasoning_content || delta.reasoning || delta.tool_calls)) {
        reply.firstTokenMs = Math.round(performance.now() - started);
      }
      if (delta.content) reply.content += delta.content;
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (reasoning) reply.reasoning = (reply.reasoning ?? '') + reasoning;
      for (const part of delta.tool_calls ?? []) {
        const call = (calls[part.index] ??= { id: part.id ?? '', name: '', arguments: '' });
        if (part.id) call.id = part.id;
        if (part.function?.name) call.name += part.function.name;
        if (part.function?.arguments) call.arguments += part.function.arguments;
        reply.toolCalls = calls.filter(Boolean);
      }
    }
    if (chunk.usage) reply.usage = { prompt: chunk.usage.prompt_tokens, completion: chunk.usage.completion_tokens, total: chunk.usage.total_tokens };
    reply.totalMs = Math.round(performance.now() - started);
    onUpdate({ ...reply });
  }
  reply.totalMs = Math.round(performance.now() - started);
  return reply;
}
