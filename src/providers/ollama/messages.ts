import { invalidRequest } from '../../core/errors.js';
import type { ChatMessage } from '../../core/openai-schemas.js';
import { loadMedia, type MediaFetcher } from '../../upstream/media.js';
import type { OllamaMessage, OllamaToolCall } from './wire.js';

type ContentPart = { type: string } & Record<string, unknown>;
type MessageContent = string | ContentPart[] | null | undefined;

/** Text parts are sent as one string; this goes between them, as a line break a reader would expect. */
const PART_SEPARATOR = '\n';

interface ReadContent {
  text: string;
  /** Image URLs (data: or http(s)) in the order they appear; loaded only once the whole content is known good. */
  imageUrls: string[];
}

function partText(part: ContentPart, param: string): string {
  const field = part.type === 'refusal' ? 'refusal' : 'text';
  const value = part[field];
  if (typeof value !== 'string') throw invalidRequest(`Missing required parameter: '${param}.${field}'.`, `${param}.${field}`);
  return value;
}

function imageUrl(part: ContentPart, param: string): string {
  const field = part.image_url;
  const url = typeof field === 'string' ? field : field !== null && typeof field === 'object' ? (field as { url?: unknown }).url : undefined;
  if (typeof url !== 'string' || url === '') throw invalidRequest(`Missing required parameter: '${param}.image_url.url'.`, `${param}.image_url.url`);
  return url;
}

/** Splits a message's content into its text and, where images are allowed, its image URLs. */
function readContent(content: MessageContent, param: string, imagesAllowed: boolean): ReadContent {
  if (typeof content === 'string') return { text: content, imageUrls: [] };
  if (!content) return { text: '', imageUrls: [] };
  const texts: string[] = [];
  const imageUrls: string[] = [];
  content.forEach((part, index) => {
    const partParam = `${param}[${index}]`;
    if (part.type === 'text' || part.type === 'refusal') {
      texts.push(partText(part, partParam));
    } else if (part.type === 'image_url' && imagesAllowed) {
      imageUrls.push(imageUrl(part, partParam));
    } else {
      throw invalidRequest(
        `Content parts of type '${part.type}' are not supported here by Ollama; use ${imagesAllowed ? 'text and image_url' : 'text'} parts.`,
        `${partParam}.type`,
        'unsupported_value',
      );
    }
  });
  return { text: texts.join(PART_SEPARATOR), imageUrls };
}

function parseToolArguments(text: string, param: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw invalidRequest(`'${param}' is not valid JSON; Ollama needs the arguments of earlier tool calls as a JSON object.`, param, 'invalid_value');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidRequest(`'${param}' must be a JSON object; Ollama needs the arguments of earlier tool calls as a JSON object.`, param, 'invalid_value');
  }
  return parsed as Record<string, unknown>;
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function toOllamaToolCalls(toolCalls: NonNullable<AssistantMessage['tool_calls']>, param: string): OllamaToolCall[] {
  return toolCalls.map((call, index) => {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!call.function) throw invalidRequest(`Missing required parameter: '${callParam}.function'.`, `${callParam}.function`);
    return {
      id: call.id,
      function: { name: call.function.name, arguments: parseToolArguments(call.function.arguments, `${callParam}.function.arguments`) },
    };
  });
}

/** Tool call ids to function names, from the assistant turns: Ollama names a tool result by its tool. */
function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    if (message.role !== 'assistant') continue;
    for (const call of message.tool_calls ?? []) if (call.function) names.set(call.id, call.function.name);
  }
  return names;
}

/** The thinking an assistant turn carried: DeepSeek's `reasoning_content`, or `reasoning` as Ollama's own /v1 names it. */
function assistantThinking(message: AssistantMessage): string | undefined {
  const thinking = message.reasoning_content ?? message.reasoning;
  return typeof thinking === 'string' && thinking !== '' ? thinking : undefined;
}

async function toOllamaMessage(message: ChatMessage, index: number, toolNames: Map<string, string>, fetchMedia: MediaFetcher): Promise<OllamaMessage> {
  const param = `messages[${index}]`;
  switch (message.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: readContent(message.content, `${param}.content`, false).text };
    case 'user': {
      const { text, imageUrls } = readContent(message.content, `${param}.content`, true);
      if (imageUrls.length === 0) return { role: 'user', content: text };
      const images = await Promise.all(imageUrls.map(async (url) => (await loadMedia(url, fetchMedia)).data));
      return { role: 'user', content: text, images };
    }
    case 'assistant': {
      const converted: OllamaMessage = { role: 'assistant', content: readContent(message.content, `${param}.content`, false).text };
      const thinking = assistantThinking(message);
      if (thinking !== undefined) converted.thinking = thinking;
      if (message.tool_calls && message.tool_calls.length > 0) converted.tool_calls = toOllamaToolCalls(message.tool_calls, param);
      return converted;
    }
    case 'tool': {
      const converted: OllamaMessage = { role: 'tool', content: readContent(message.content, `${param}.content`, false).text };
      const toolName = toolNames.get(message.tool_call_id);
      if (toolName !== undefined) converted.tool_name = toolName;
      converted.tool_call_id = message.tool_call_id;
      return converted;
    }
    case 'function':
      return { role: 'tool', content: message.content ?? '', tool_name: message.name };
  }
}

/**
 * OpenAI chat messages → Ollama messages: system and developer turns become `system`; text parts are joined;
 * images go to `images` as bare base64 (http(s) URLs fetched through `fetchMedia`); assistant tool calls carry
 * their arguments as an object; tool results carry the tool's name (`tool_name`) and the call id.
 */
export async function toOllamaMessages(messages: readonly ChatMessage[], fetchMedia: MediaFetcher): Promise<OllamaMessage[]> {
  const toolNames = toolNamesById(messages);
  return Promise.all(messages.map((message, index) => toOllamaMessage(message, index, toolNames, fetchMedia)));
}
