import { invalidRequest } from '../../core/errors.js';
import type { ChatCompletionRequest, ChatMessage } from '../../core/openai-schemas.js';
import type { ContentBlockParam, CountTokensRequest, MessageParam, MessagesRequest } from './request-schema.js';

/**
 * A Messages request as the gateway's own (OpenAI chat) request, for providers that do not speak Anthropic's
 * protocol. Tool results become `tool` messages right after the assistant turn that called them, images and PDFs
 * become content parts, and Anthropic's own reasoning blocks are left out (their signatures mean nothing to
 * another provider; Gemini's thought signatures travel in the tool-call ids).
 */

type ChatPart = { type: string; [field: string]: unknown };

interface TextBlock {
  type: 'text';
  text: string;
}
interface MediaBlock {
  type: 'image' | 'document';
  source: { type: string; media_type?: string; data?: string; url?: string };
  title?: string | null;
}
interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | { type: string; text?: string }[];
  is_error?: boolean;
}

/** Claude's own tools (web search, bash, text editor, computer use, code execution…), which only Anthropic runs. */
const isServerTool = (type: string | null | undefined) => type !== undefined && type !== null && type !== 'custom';

const THINKING_EFFORTS: readonly [number, string][] = [
  [2048, 'low'],
  [16384, 'medium'],
];

/** OpenAI's `reasoning_effort` for a thinking budget: under 2k tokens low, under 16k medium, above high. */
function effortOf(thinking: MessagesRequest['thinking']): string | undefined {
  if (!thinking || thinking.type === 'disabled') return undefined;
  if (thinking.type === 'adaptive') return 'medium';
  const budget = (thinking as { budget_tokens: number }).budget_tokens;
  return THINKING_EFFORTS.find(([below]) => budget < below)?.[1] ?? 'high';
}

function mediaPart(block: MediaBlock, where: string): ChatPart {
  const { source } = block;
  if (source.type === 'base64') {
    const url = `data:${source.media_type};base64,${source.data}`;
    return block.type === 'image' ? { type: 'image_url', image_url: { url } } : { type: 'file', file: { file_data: url, filename: block.title ?? 'document.pdf' } };
  }
  if (source.type === 'url') {
    return block.type === 'image' ? { type: 'image_url', image_url: { url: source.url } } : { type: 'file', file: { file_data: source.url, filename: block.title ?? 'document.pdf' } };
  }
  if (source.type === 'text' && block.type === 'document') return { type: 'text', text: source.data ?? '' };
  throw invalidRequest(`A ${block.type} with a source of type \`${source.type}\` can only be sent to Anthropic models.`, where, 'unsupported_content');
}

function resultText(block: ToolResultBlock): string {
  const text = typeof block.content === 'string' ? block.content : (block.content ?? []).map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
  return block.is_error === true ? `Error: ${text}` : text;
}

/** One user turn: its tool results first (as `tool` messages), then what the user wrote. */
function userMessages(content: MessageParam['content'], where: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const results: ChatMessage[] = [];
  const parts: ChatPart[] = [];
  content.forEach((raw: ContentBlockParam, index) => {
    const block = raw as { type: string };
    const at = `${where}.content[${index}]`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: (block as TextBlock).text });
        break;
      case 'image':
      case 'document':
        parts.push(mediaPart(block as MediaBlock, at));
        break;
      case 'tool_result': {
        const result = block as ToolResultBlock;
        results.push({ role: 'tool', tool_call_id: result.tool_use_id, content: resultText(result) });
        // A tool's images cannot go in a tool message: they follow in the user's part of the turn.
        if (Array.isArray(result.content)) {
          result.content.forEach((part, partIndex) => {
            if (part.type === 'image') parts.push(mediaPart(part as unknown as MediaBlock, `${at}.content[${partIndex}]`));
          });
        }
        break;
      }
      default:
        throw invalidRequest(`A user block of type \`${block.type}\` can only be sent to Anthropic models.`, at, 'unsupported_content');
    }
  });
  if (parts.length > 0) results.push({ role: 'user', content: parts.every((part) => part.type === 'text') ? parts.map((part) => part.text as string).join('\n') : parts });
  return results;
}

function assistantMessage(content: MessageParam['content']): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
  for (const raw of content) {
    const block = raw as { type: string };
    if (block.type === 'text') text += (block as TextBlock).text;
    else if (block.type === 'tool_use') {
      const use = block as ToolUseBlock;
      toolCalls.push({ id: use.id, type: 'function', function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } });
    }
    // thinking and redacted_thinking are Anthropic's alone; server tool blocks have no OpenAI form.
  }
  const message: ChatMessage = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function systemMessage(system: MessagesRequest['system']): ChatMessage[] {
  if (system === undefined) return [];
  const text = typeof system === 'string' ? system : system.map((block) => block.text).join('\n');
  return text === '' ? [] : [{ role: 'system', content: text }];
}

/** The conversation alone (for `count_tokens` and for a whole request). */
export function toChatMessages(request: Pick<CountTokensRequest, 'system' | 'messages'>): ChatMessage[] {
  const messages = systemMessage(request.system);
  request.messages.forEach((message, index) => {
    const where = `messages[${index}]`;
    if (message.role === 'user') messages.push(...userMessages(message.content, where));
    else messages.push(assistantMessage(message.content));
  });
  return messages;
}

function tools(request: MessagesRequest): Pick<ChatCompletionRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> {
  const converted: Pick<ChatCompletionRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'> = {};
  if (request.tools && request.tools.length > 0) {
    converted.tools = request.tools.map((tool, index) => {
      if (isServerTool(tool.type)) {
        throw invalidRequest(`The tool \`${tool.name}\` (type \`${tool.type}\`) is one of Anthropic's own and runs only on Anthropic models.`, `tools[${index}]`, 'unsupported_tool');
      }
      return { type: 'function', function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.input_schema ?? { type: 'object' } } };
    });
  }
  const choice = request.tool_choice;
  if (choice) {
    if (choice.type === 'auto') converted.tool_choice = 'auto';
    else if (choice.type === 'any') converted.tool_choice = 'required';
    else if (choice.type === 'none') converted.tool_choice = 'none';
    else converted.tool_choice = { type: 'function', function: { name: (choice as { name: string }).name } };
    if ((choice as { disable_parallel_tool_use?: boolean }).disable_parallel_tool_use === true) converted.parallel_tool_calls = false;
  }
  return converted;
}

export function toChatRequest(request: MessagesRequest, model: string): ChatCompletionRequest {
  const chat: ChatCompletionRequest = { model, messages: toChatMessages(request), max_tokens: request.max_tokens, ...tools(request) };
  if (request.stream === true) chat.stream = true;
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.stop_sequences && request.stop_sequences.length > 0) chat.stop = request.stop_sequences;
  const effort = effortOf(request.thinking);
  if (effort !== undefined) chat.reasoning_effort = effort;
  const user = request.metadata?.user_id;
  if (typeof user === 'string') chat.user = user;
  if (request.output_format) chat.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: request.output_format.schema, strict: true } };
  return chat;
}
