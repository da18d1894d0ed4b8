import { encodeToolCallId } from './tool-call-id.js';
import type { AssembledFunctionCall } from './function-call-assembler.js';
import type { GeminiLogprobsResult, GeminiResponsePart } from './wire.js';

export interface OpenAIToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Where an image of a chat answer is linked from (CHAT_IMAGE_FORMAT=url): the URL of a copy the gateway serves. */
export type ImageLink = (mimeType: string, base64: string) => string;

/** What one non-function-call part contributes to the OpenAI message. */
export type PartOutput = { kind: 'content'; text: string } | { kind: 'reasoning'; text: string };

const fence = (language: string, body: string): string => `\n\`\`\`${language}\n${body}${body.endsWith('\n') ? '' : '\n'}\`\`\`\n`;

/**
 * One response part (function calls aside, see FunctionCallAssembler) → content or reasoning text. Thoughts go to
 * reasoning only, and only when they are shown; code execution is rendered as fenced code and output; inline
 * media (image-generating models) as a markdown image of a data URL (or of `imageLink`'s URL); signatures on text parts are dropped, since Gemini
 * requires them back on function calls only.
 */
export function convertResponsePart(part: GeminiResponsePart, showThinking: boolean, imageLink?: ImageLink): PartOutput | undefined {
  if (part.text !== undefined) {
    if (part.text === '') return undefined;
    if (part.thought === true) return showThinking ? { kind: 'reasoning', text: part.text } : undefined;
    return { kind: 'content', text: part.text };
  }
  if (part.executableCode) {
    const language = (part.executableCode.language ?? 'PYTHON').toLowerCase();
    return { kind: 'content', text: fence(language === 'language_unspecified' ? '' : language, part.executableCode.code ?? '') };
  }
  if (part.codeExecutionResult) {
    const outcome = part.codeExecutionResult.outcome ?? 'OUTCOME_OK';
    const output = fence('output', part.codeExecutionResult.output ?? '');
    return { kind: 'content', text: outcome === 'OUTCOME_OK' ? output : `\nCode execution ended with ${outcome}:${output}` };
  }
  if (part.inlineData) {
    const { mimeType, data } = part.inlineData;
    if (mimeType.startsWith('image/')) return { kind: 'content', text: `![image](${imageLink ? imageLink(mimeType, data) : `data:${mimeType};base64,${data}`})` };
    return { kind: 'content', text: `[${mimeType}](data:${mimeType};base64,${data})` };
  }
  if (part.fileData) return { kind: 'content', text: `[${part.fileData.mimeType ?? 'file'}](${part.fileData.fileUri})` };
  return undefined;
}

/** A complete Gemini function call → an OpenAI tool call whose id carries the signature back (see tool-call-id). */
export function toOpenAIToolCall(call: AssembledFunctionCall): OpenAIToolCall {
  return {
    id: encodeToolCallId({ geminiId: call.id, thoughtSignature: call.thoughtSignature }),
    type: 'function',
    function: { name: call.name, arguments: JSON.stringify(call.args) },
  };
}

export interface OpenAILogprobs {
  content: {
    token: string;
    logprob: number;
    bytes: number[];
    top_logprobs: { token: string; logprob: number; bytes: number[] }[];
  }[];
}

const utf8Bytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** Gemini `logprobsResult` → OpenAI `logprobs` (chosen tokens, each with its top alternatives). */
export function toOpenAILogprobs(result: GeminiLogprobsResult | undefined): OpenAILogprobs | null {
  if (!result?.chosenCandidates) return null;
  return {
    content: result.chosenCandidates.map((chosen, position) => ({
      token: chosen.token ?? '',
      logprob: chosen.logProbability ?? 0,
      bytes: utf8Bytes(chosen.token ?? ''),
      top_logprobs: (result.topCandidates?.[position]?.candidates ?? []).map((candidate) => ({
        token: candidate.token ?? '',
        logprob: candidate.logProbability ?? 0,
        bytes: utf8Bytes(candidate.token ?? ''),
      })),
    })),
  };
}
