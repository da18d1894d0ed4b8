import { z } from 'zod';
import { invalidRequest } from '../../core/errors.js';
import type { ChatMessage } from '../../core/openai-schemas.js';
import { type FetchedMedia, type MediaFetcher, parseDataUrl } from '../../upstream/media.js';
import { isGemini3OrLater } from './model-name.js';
import { decodeToolCallId } from './tool-call-id.js';
import type { GeminiContent, GeminiPart, GeminiRole, JsonObject, JsonValue } from './wire.js';

/**
 * What Gemini documents for a function call that lost its thought signature (history from another model, or a
 * client that dropped it): with it, Gemini 3 skips the validation instead of failing the request with a 400.
 */
export const THOUGHT_SIGNATURE_SENTINEL = 'skip_thought_signature_validator';

export interface ContentsOptions {
  /** The bare model name: Gemini 3 needs thought signatures on function calls. */
  model: string;
  fetchMedia: MediaFetcher;
}

export interface GeminiConversation {
  systemInstruction?: { parts: GeminiPart[] };
  contents: GeminiContent[];
}

interface KnownToolCall {
  name: string;
  /** Position of the call within its assistant message: Gemini pairs parallel results with calls in order. */
  position: number;
  geminiId?: string;
}

/** A turn before merging; tool results keep their call position so a group can be put in call order. */
interface Turn {
  role: GeminiRole;
  parts: GeminiPart[];
  resultOrder?: number[];
}

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.looseObject({ url: z.string() })]),
});
const audioPart = z.object({ type: z.literal('input_audio'), input_audio: z.looseObject({ data: z.string(), format: z.string() }) });
const filePart = z.object({
  type: z.literal('file'),
  file: z.looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});
/** The pre-tools spelling of a call (`function_call` on the assistant message), still sent by old clients. */
const legacyFunctionCall = z.looseObject({ function_call: z.looseObject({ name: z.string(), arguments: z.string() }) });
const toolCallExtras = z.looseObject({
  extra_content: z.looseObject({ google: z.looseObject({ thought_signature: z.string().optional() }).optional() }).optional(),
});

type ContentParts = Exclude<ChatMessage['content'], string | null | undefined>;
type ContentPartInput = ContentParts[number];

/** Files API and YouTube URIs Gemini reads itself; everything else has to be sent inline. */
const GEMINI_READABLE_URI = /^(?:https:\/\/generativelanguage\.googleapis\.com\/v1beta\/files\/|https:\/\/(?:www\.)?(?:youtube\.com\/watch\?|youtu\.be\/))/;

const MIME_BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  html: 'text/html',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

const inlinePart = (media: FetchedMedia): GeminiPart => ({ inlineData: { mimeType: media.mimeType, data: media.data } });

function textOf(content: ChatMessage['content'], where: string, allowRefusal = false): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [content];
  return content.map((part, index) => {
    const text = textPart.safeParse(part);
    if (text.success) return text.data.text;
    const refusal = allowRefusal ? refusalPart.safeParse(part) : undefined;
    if (refusal?.success) return refusal.data.refusal;
    throw invalidRequest(`Only text content is supported here for Gemini models, not '${part.type}'.`, `${where}.content[${index}].type`, 'invalid_value');
  });
}

async function toUserPart(part: ContentPartInput, where: string, fetchMedia: MediaFetcher): Promise<GeminiPart> {
  switch (part.type) {
    case 'text': {
      const parsed = textPart.safeParse(part);
      if (!parsed.success) throw invalidRequest('A text content part needs a string `text`.', `${where}.text`, 'invalid_value');
      return { text: parsed.data.text };
    }
    case 'image_url': {
      const parsed = imagePart.safeParse(part);
      if (!parsed.success) throw invalidRequest('An image_url content part needs `image_url.url`.', `${where}.image_url`, 'invalid_value');
      const url = typeof parsed.data.image_url === 'string' ? parsed.data.image_url : parsed.data.image_url.url;
      if (GEMINI_READABLE_URI.test(url)) return { fileData: { fileUri: url } };
      if (!url.startsWith('data:') && !/^https?:\/\//i.test(url)) {
        throw invalidRequest('Image URLs must be http(s) or base64 data URLs.', `${where}.image_url.url`, 'invalid_image_url');
      }
      return inlinePart(parseDataUrl(url) ?? (await fetchMedia(url)));
    }
    case 'input_audio': {
      const parsed = audioPart.safeParse(part);
      if (!parsed.success) throw invalidRequest('An input_audio content part needs `input_audio.data` and `input_audio.format`.', `${where}.input_audio`, 'invalid_value');
      return { inlineData: { mimeType: `audio/${parsed.data.input_audio.format}`, data: parsed.data.input_audio.data } };
    }
    case 'file': {
      const parsed = filePart.safeParse(part);
      if (!parsed.success) throw invalidRequest('A file content part needs a `file` object.', `${where}.file`, 'invalid_value');
      const { file_data: data, file_id: fileId, filename } = parsed.data.file;
      if (data !== undefined) {
        const media = parseDataUrl(data);
        if (media) return inlinePart(media);
        const extension = filename?.split('.').pop()?.toLowerCase() ?? 'pdf';
        return { inlineData: { mimeType: MIME_BY_EXTENSION[extension] ?? 'application/pdf', data } };
      }
      if (fileId !== undefined && GEMINI_READABLE_URI.test(fileId)) return { fileData: { fileUri: fileId } };
      throw invalidRequest('Gemini models take files as `file.file_data` (a base64 data URL) or a Gemini Files API URI.', `${where}.file`, 'invalid_value');
    }
    default:
      throw invalidRequest(`Content part type '${part.type}' is not supported for Gemini models.`, `${where}.type`, 'invalid_value');
  }
}

async function toUserParts(content: ChatMessage['content'], where: string, fetchMedia: MediaFetcher): Promise<GeminiPart[]> {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [{ text: content }];
  return Promise.all(content.map((part, index) => toUserPart(part, `${where}.content[${index}]`, fetchMedia)));
}

function parseArguments(text: string, where: string): JsonObject {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequest('Tool call arguments must be valid JSON.', where, 'invalid_value');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidRequest('Tool call arguments must be a JSON object.', where, 'invalid_value');
  }
  return parsed as JsonObject;
}

/**
 * A tool result as Gemini's `functionResponse.response`, which must be an object: a JSON object result is sent
 * as it is, anything else (text, arrays, numbers) under `output`, the key Gemini documents for function output.
 */
export function toFunctionResponseBody(text: string): JsonObject {
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    return { output: text };
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : { output: parsed };
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function toModelParts(message: AssistantMessage, where: string, knownCalls: Map<string, KnownToolCall>): GeminiPart[] {
  const parts: GeminiPart[] = textOf(message.content, where, true)
    .filter((text) => text !== '')
    .map((text) => ({ text }));
  (message.tool_calls ?? []).forEach((call, position) => {
    const callWhere = `${where}.tool_calls[${position}]`;
    if ((call.type !== undefined && call.type !== 'function') || !call.function) {
      throw invalidRequest(`Tool call type '${call.type ?? 'unknown'}' is not supported for Gemini models.`, `${callWhere}.type`, 'invalid_value');
    }
    const decoded = decodeToolCallId(call.id);
    const extras = toolCallExtras.safeParse(call);
    const signature = (extras.success ? extras.data.extra_content?.google?.thought_signature : undefined) ?? decoded.thoughtSignature;
    const part: GeminiPart = {
      functionCall: {
        ...(decoded.geminiId === undefined ? {} : { id: decoded.geminiId }),
        name: call.function.name,
        args: parseArguments(call.function.arguments, `${callWhere}.function.arguments`),
      },
    };
    if (signature !== undefined) part.thoughtSignature = signature;
    parts.push(part);
    knownCalls.set(call.id, { name: call.function.name, position, ...(decoded.geminiId === undefined ? {} : { geminiId: decoded.geminiId }) });
  });
  const legacy = legacyFunctionCall.safeParse(message);
  if (legacy.success && !message.tool_calls?.length) {
    const { name, arguments: args } = legacy.data.function_call;
    parts.push({ functionCall: { name, args: parseArguments(args, `${where}.function_call.arguments`) } });
  }
  return parts;
}

/** Consecutive turns of one role become one content; a group of tool results is put in the order of its calls. */
function mergeTurns(turns: Turn[]): GeminiContent[] {
  const contents: GeminiContent[] = [];
  for (const turn of turns) {
    let parts = turn.parts;
    if (turn.resultOrder) {
      const order = turn.resultOrder;
      parts = parts
        .map((part, index) => ({ part, index }))
        .sort((a, b) => order[a.index]! - order[b.index]! || a.index - b.index)
        .map(({ part }) => part);
    }
    const last = contents.at(-1);
    if (last && last.role === turn.role) last.parts.push(...parts);
    else if (parts.length > 0) contents.push({ role: turn.role, parts: [...parts] });
  }
  return contents;
}

/**
 * OpenAI messages → Gemini `systemInstruction` + `contents`. System and developer messages (wherever they appear)
 * become the system instruction; user → `user`; assistant → `model` with its tool calls as `functionCall` parts
 * (thought signature and Gemini call id restored from the tool-call id); tool results → `functionResponse` parts
 * named after their call, grouped into one user content in call order; consecutive same-role turns merged.
 */
export async function toGeminiContents(messages: readonly ChatMessage[], options: ContentsOptions): Promise<GeminiConversation> {
  const systemParts: GeminiPart[] = [];
  const knownCalls = new Map<string, KnownToolCall>();
  const pending: (Turn | Promise<Turn>)[] = [];
  let toolGroup: Turn | undefined;

  const readTurn = (message: ChatMessage, index: number) => {
    const where = `messages[${index}]`;
    if (message.role !== 'tool' && message.role !== 'function') toolGroup = undefined;
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const text of textOf(message.content, where)) systemParts.push({ text });
        return;
      case 'user':
        pending.push(toUserParts(message.content, where, options.fetchMedia).then((parts) => ({ role: 'user', parts })));
        return;
      case 'assistant':
        pending.push({ role: 'model', parts: toModelParts(message, where, knownCalls) });
        return;
      case 'tool':
      case 'function': {
        let name: string;
        let order = Number.MAX_SAFE_INTEGER;
        let geminiId: string | undefined;
        if (message.role === 'tool') {
          const call = knownCalls.get(message.tool_call_id);
          if (!call) {
            throw invalidRequest(
              `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls'; no tool call has the id '${message.tool_call_id}'.`,
              `${where}.tool_call_id`,
              'invalid_value',
            );
          }
          ({ name, position: order, geminiId } = call);
        } else {
          name = message.name;
        }
        const text = textOf(message.content, where).join('');
        const part: GeminiPart = {
          functionResponse: { ...(geminiId === undefined ? {} : { id: geminiId }), name, response: toFunctionResponseBody(text) },
        };
        if (!toolGroup) {
          toolGroup = { role: 'user', parts: [], resultOrder: [] };
          pending.push(toolGroup);
        }
        toolGroup.parts.push(part);
        toolGroup.resultOrder!.push(order);
        return;
      }
    }
  };
  try {
    messages.forEach(readTurn);
  } catch (error) {
    // A later message refused: the user turns already being read may fail too, and nobody will await them.
    for (const turn of pending) if (turn instanceof Promise) turn.catch(() => undefined);
    throw error;
  }

  const contents = mergeTurns(await Promise.all(pending));
  if (isGemini3OrLater(options.model)) addMissingThoughtSignatures(contents);
  if (contents.length === 0) contents.push({ role: 'user', parts: [{ text: ' ' }] });
  const conversation: GeminiConversation = { contents };
  if (systemParts.length > 0) conversation.systemInstruction = { parts: systemParts };
  return conversation;
}

/**
 * Gemini 3 validates the signature on the first function call of each model step; parallel calls after the
 * first legitimately carry none. A first call without one gets the documented sentinel.
 */
function addMissingThoughtSignatures(contents: GeminiContent[]): void {
  for (const content of contents) {
    if (content.role !== 'model') continue;
    const first = content.parts.find((part) => part.functionCall !== undefined);
    if (first && first.thoughtSignature === undefined) first.thoughtSignature = THOUGHT_SIGNATURE_SENTINEL;
  }
}
