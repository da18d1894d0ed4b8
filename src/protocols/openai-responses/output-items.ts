import type { ResponseItem } from './request-schema.js';

/** Output items as OpenAI shapes them; the stream converter and the answer converter build the same ones. */

export const outputTextPart = (text: string) => ({ type: 'output_text', annotations: [], logprobs: [], text });

export const summaryTextPart = (text: string) => ({ type: 'summary_text', text });

export function messageItem(id: string, status: 'in_progress' | 'completed' | 'incomplete', text: string | undefined): ResponseItem {
  return { id, type: 'message', status, content: text === undefined ? [] : [outputTextPart(text)], role: 'assistant' };
}

export function reasoningItem(id: string, summary: string | undefined): ResponseItem {
  return { id, type: 'reasoning', summary: summary === undefined ? [] : [summaryTextPart(summary)] };
}

export function functionCallItem(id: string, status: 'in_progress' | 'completed', call: { callId: string; name: string; arguments: string }): ResponseItem {
  return { id, type: 'function_call', status, arguments: call.arguments, call_id: call.callId, name: call.name };
}
