import { type OpenAIFinishReason, mapGeminiFinishReason } from './finish-reason.js';
import { FunctionCallAssembler } from './function-call-assembler.js';
import { type UrlCitation, renderGroundingSources } from './grounding.js';
import { type ImageLink, type OpenAILogprobs, type OpenAIToolCall, convertResponsePart, toOpenAILogprobs, toOpenAIToolCall } from './response-parts.js';
import type { GeminiCandidate, GeminiGenerateContentResponse } from './wire.js';
import type { ClientUsage } from '../shared/client-usage.js';
import { toOpenAIUsage } from './usage.js';

export interface ResponseContext {
  /** The OpenAI completion id (`chatcmpl-…`), shared by every chunk of a stream. */
  id: string;
  created: number;
  /** The model name as the client asked for it. */
  model: string;
  showThinking: boolean;
  showSearchLink: boolean;
  /** Images of the answer linked as URLs instead of data URLs (CHAT_IMAGE_FORMAT=url). */
  imageLink?: ImageLink | undefined;
}

export interface OpenAIAssistantMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  reasoning_content?: string;
  tool_calls?: OpenAIToolCall[];
  annotations: UrlCitation[];
}

export interface OpenAIChoice {
  index: number;
  message: OpenAIAssistantMessage;
  logprobs: OpenAILogprobs | null;
  finish_reason: OpenAIFinishReason | null;
}

export interface OpenAIChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: OpenAIChoice[];
  usage?: ClientUsage;
}

/** The refusal text for a prompt Gemini blocked before generating anything. */
export const blockedPromptMessage = (blockReason: string, detail?: string): string =>
  `The prompt was blocked by Gemini's safety system (blockReason: ${blockReason})${detail ? `: ${detail}` : '.'}`;

function toChoice(candidate: GeminiCandidate, position: number, context: ResponseContext): OpenAIChoice {
  let content = '';
  let reasoning = '';
  const toolCalls: OpenAIToolCall[] = [];
  const assembler = new FunctionCallAssembler();
  for (const part of candidate.content?.parts ?? []) {
    if (part.functionCall) {
      for (const call of assembler.accept(part)) toolCalls.push(toOpenAIToolCall(call));
      continue;
    }
    const output = convertResponsePart(part, context.showThinking, context.imageLink);
    if (output?.kind === 'content') content += output.text;
    else if (output?.kind === 'reasoning') reasoning += output.text;
  }
  for (const call of assembler.flush()) toolCalls.push(toOpenAIToolCall(call));

  let annotations: UrlCitation[] = [];
  if (context.showSearchLink) {
    const sources = renderGroundingSources(candidate.groundingMetadata, content.length);
    if (sources) {
      content += sources.text;
      annotations = sources.annotations;
    }
  }
  const message: OpenAIAssistantMessage = {
    role: 'assistant',
    content: content === '' && toolCalls.length > 0 ? null : content,
    refusal: null,
    annotations,
  };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: candidate.index ?? position,
    message,
    logprobs: toOpenAILogprobs(candidate.logprobsResult),
    // A candidate with nothing in it and no reason is an empty answer, left without one so that it is seen as such.
    finish_reason: candidate.finishReason === undefined && toolCalls.length === 0 && !message.content ? null : mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0),
  };
}

/**
 * A complete Gemini `GenerateContentResponse` → an OpenAI `chat.completion`: every part of every candidate, the
 * finish reason, usage. A prompt blocked before generation (no candidates, `promptFeedback.blockReason`) becomes
 * one `content_filter` choice carrying the reason as a refusal, so the client is told rather than handed nothing.
 */
export function fromGeminiResponse(response: GeminiGenerateContentResponse, context: ResponseContext): OpenAIChatCompletion {
  const candidates = response.candidates ?? [];
  let choices: OpenAIChoice[];
  const blockReason = response.promptFeedback?.blockReason;
  if (candidates.length === 0 && blockReason) {
    choices = [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: blockedPromptMessage(blockReason, response.promptFeedback?.blockReasonMessage),
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'content_filter',
      },
    ];
  } else {
    choices = candidates.map((candidate, position) => toChoice(candidate, position, context)).sort((a, b) => a.index - b.index);
  }
  const completion: OpenAIChatCompletion = {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices,
  };
  if (response.usageMetadata) completion.usage = toOpenAIUsage(response.usageMetadata);
  return completion;
}
