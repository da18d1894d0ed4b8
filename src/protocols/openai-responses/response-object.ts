import { randomBytes } from 'node:crypto';
import type { TokenUsage } from '../../core/usage.js';
import type { ResponseItem, ResponsesRequest } from './request-schema.js';

/** What every state of one response shares: its id, when it started, the model it shows, what was asked. */
export interface ResponseFrame {
  id: string;
  createdAt: number;
  model: string;
  request: ResponsesRequest;
}

/** Item and response ids in OpenAI's form: a prefix (`resp`, `msg`, `fc`, `rs`) and 48 hex digits. */
export type IdMaker = (prefix: string) => string;

export const randomId: IdMaker = (prefix) => `${prefix}_${randomBytes(24).toString('hex')}`;

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The Responses API's `usage` from a call's usage. */
export function responsesUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.prompt,
    input_tokens_details: { cached_tokens: usage.cached },
    output_tokens: usage.completion,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: usage.total,
  };
}

/** Why an answer stopped short, by the chat finish reason; undefined for a complete answer. */
export function incompleteReason(finishReason: string | null | undefined): string | undefined {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content_filter') return 'content_filter';
  return undefined;
}

export interface ResponseState {
  status: ResponseStatus;
  output: readonly ResponseItem[];
  usage: TokenUsage | undefined;
  incompleteReason?: string | undefined;
  error?: { code: string | null; message: string } | undefined;
}

/** A response object as OpenAI sends it, its fields in OpenAI's order, the request's settings echoed. */
export function responseObject(frame: ResponseFrame, state: ResponseState): Record<string, unknown> {
  const { request } = frame;
  return {
    id: frame.id,
    object: 'response',
    created_at: frame.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason === undefined ? null : { reason: state.incompleteReason },
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: null,
    model: frame.model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    service_tier: 'default',
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: 'disabled',
    usage: state.usage === undefined ? null : responsesUsage(state.usage),
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}
