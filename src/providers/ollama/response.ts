import { tokenUsage, type TokenUsage } from '../../core/usage.js';
import type { OllamaChatResponse, OllamaLogprob, OllamaResponseToolCall } from './wire.js';

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface OpenAITokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

export interface OpenAIChoiceLogprobs {
  content: (OpenAITokenLogprob & { top_logprobs: OpenAITokenLogprob[] })[];
  refusal: null;
}

/** What a converted answer is named by: the completion id (`chatcmpl-…`) and the model to report. */
export interface CompletionIdentity {
  id: string;
  /** Reported when Ollama's answer does not name its model. */
  model: string;
}

/**
 * The id of the `index`-th tool call of a completion: Ollama's own (`call_…`, newer versions) when it sent one,
 * otherwise one derived from the completion id, so the same call has the same id wherever it is reported.
 */
export function toolCallId(completionId: string, index: number, upstreamId: string | null | undefined): string {
  if (upstreamId) return upstreamId;
  return `call_${completionId.replace(/^chatcmpl-/, '')}_${index}`;
}

/** An Ollama tool call (arguments as an object) → OpenAI's (arguments as JSON text). */
export function toOpenAIToolCall(call: OllamaResponseToolCall, completionId: string, index: number): OpenAIToolCall {
  const args = call.function.arguments;
  return {
    id: toolCallId(completionId, index, call.id),
    type: 'function',
    function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
  };
}

/**
 * Ollama's `done_reason` → OpenAI's `finish_reason`: a turn that called tools ends in `tool_calls` (Ollama says
 * `stop`); `length` stays; everything else (`stop`, `load`, `unload`, or none) is a normal `stop`.
 */
export function toFinishReason(doneReason: string | null | undefined, calledTools: boolean): 'stop' | 'length' | 'tool_calls' {
  if (calledTools) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

/**
 * Token counts from the final answer (https://github.com/ollama/ollama/blob/main/docs/api.md#response):
 * `prompt_eval_count` is the prompt tokens evaluated, `eval_count` the generated ones. Ollama leaves a count out
 * when it is zero (a prompt whose evaluation was all in its cache) and reports no parts.
 */
export function ollamaTokenUsage(response: OllamaChatResponse): TokenUsage {
  return tokenUsage({ prompt: response.prompt_eval_count ?? 0, completion: response.eval_count ?? 0 });
}

/** The client's usage: Ollama's counts, with no details it could vouch for. */
export const toChatUsage = (usage: TokenUsage): ChatUsage => ({ prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.total });

const toTokenLogprob = (entry: { token: string; logprob: number; bytes?: number[] | null | undefined }): OpenAITokenLogprob => ({
  token: entry.token,
  logprob: entry.logprob,
  bytes: entry.bytes ?? null,
});

/** Ollama's per-token log probabilities (asked for with `logprobs`) → an OpenAI choice's `logprobs`. */
export function toOpenAILogprobs(logprobs: readonly OllamaLogprob[] | null | undefined): OpenAIChoiceLogprobs | null {
  if (!logprobs || logprobs.length === 0) return null;
  return {
    content: logprobs.map((entry) => ({ ...toTokenLogprob(entry), top_logprobs: (entry.top_logprobs ?? []).map(toTokenLogprob) })),
    refusal: null,
  };
}

/** Unix seconds from Ollama's `created_at` (RFC 3339 with nanoseconds); undefined when absent or unreadable. */
export function createdSeconds(createdAt: string | null | undefined): number | undefined {
  if (!createdAt) return undefined;
  const ms = Date.parse(createdAt);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** A complete (`stream: false`) `/api/chat` answer → an OpenAI `chat.completion` object. */
export function toChatCompletion(response: OllamaChatResponse, identity: CompletionIdentity, now = Date.now()) {
  const message = response.message;
  const toolCalls = (message?.tool_calls ?? []).map((call, index) => toOpenAIToolCall(call, identity.id, index));
  const content = message?.content ?? '';
  const thinking = message?.thinking;
  return {
    id: identity.id,
    object: 'chat.completion' as const,
    created: createdSeconds(response.created_at) ?? Math.floor(now / 1000),
    model: response.model || identity.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant' as const,
          // OpenAI sends null, not "", as the content of a turn that only calls tools.
          content: content === '' && toolCalls.length > 0 ? null : content,
          ...(thinking ? { reasoning_content: thinking } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          refusal: null,
        },
        logprobs: toOpenAILogprobs(response.logprobs),
        // An unfinished answer with nothing in it is an empty one: no finish reason is made up for it.
        finish_reason: !response.done && content === '' && toolCalls.length === 0 ? null : toFinishReason(response.done_reason, toolCalls.length > 0),
      },
    ],
    usage: toChatUsage(ollamaTokenUsage(response)),
  };
}
