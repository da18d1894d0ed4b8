import { invalidRequest } from '../../core/errors.js';
import type { ChatCompletionRequest, ChatMessage } from '../../core/openai-schemas.js';
import { unsupportedToolType } from './built-in-tools.js';
import type { ResponseItem, ResponsesRequest } from './request-schema.js';

type ChatTool = NonNullable<ChatCompletionRequest['tools']>[number];
type ChatContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } };
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The items of `input`: a string is one user message. */
export function inputItems(input: ResponsesRequest['input']): ResponseItem[] {
  if (input === undefined) return [];
  return typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input;
}

function textOf(value: unknown, param: string): string {
  if (typeof value !== 'string') throw invalidRequest(`Invalid type for '${param}': expected a string.`, param, 'invalid_type');
  return value;
}

/** A content part of a user (or system) message as chat has it. */
function userPart(part: unknown, param: string): ChatContentPart {
  if (!isRecord(part)) throw invalidRequest(`Invalid type for '${param}': expected an object.`, param, 'invalid_type');
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: textOf(part.text, `${param}.text`) };
    case 'input_image': {
      if (typeof part.image_url !== 'string') {
        throw invalidRequest(`'${param}': only images given by 'image_url' (a URL or a data URL) can be sent to this model; file ids live in OpenAI's storage.`, param, 'unsupported_content');
      }
      return { type: 'image_url', image_url: { url: part.image_url, ...(typeof part.detail === 'string' ? { detail: part.detail } : {}) } };
    }
    default:
      throw invalidRequest(`Content of type '${String(part.type)}' in '${param}' cannot be sent to this model (it supports input_text and input_image).`, `${param}.type`, 'unsupported_content');
  }
}

/** The text of an assistant message's parts (output_text and refusal). */
function assistantText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidRequest(`Invalid type for '${param}': expected a string or an array of content parts.`, param, 'invalid_type');
  let text = '';
  content.forEach((part: unknown, index) => {
    const where = `${param}[${index}]`;
    if (isRecord(part) && (part.type === 'output_text' || part.type === 'input_text')) text += textOf(part.text, `${where}.text`);
    else if (isRecord(part) && part.type === 'refusal') text += textOf(part.refusal, `${where}.refusal`);
    else throw invalidRequest(`Content of type '${String(isRecord(part) ? part.type : typeof part)}' in '${where}' cannot be sent to this model.`, where, 'unsupported_content');
  });
  return text;
}

function messageOf(item: ResponseItem, param: string): ChatMessage {
  const content = item.content;
  switch (item.role) {
    case 'user': {
      if (typeof content === 'string') return { role: 'user', content };
      if (!Array.isArray(content)) throw invalidRequest(`Invalid type for '${param}.content': expected a string or an array of content parts.`, `${param}.content`, 'invalid_type');
      return { role: 'user', content: content.map((part: unknown, index) => userPart(part, `${param}.content[${index}]`)) };
    }
    case 'system':
    case 'developer':
      // Chat upstreams that know no `developer` role all know `system`.
      return { role: 'system', content: typeof content === 'string' ? content : assistantText(content, `${param}.content`) };
    case 'assistant':
      return { role: 'assistant', content: assistantText(content, `${param}.content`) };
    default:
      throw invalidRequest(`Invalid value for '${param}.role': supported values are 'user', 'assistant', 'system' and 'developer'.`, `${param}.role`, 'invalid_value');
  }
}

/** The text of a reasoning item: its summaries, or its reasoning text. */
function reasoningText(item: ResponseItem): string {
  const parts = [...(Array.isArray(item.summary) ? item.summary : []), ...(Array.isArray(item.content) ? item.content : [])];
  return parts
    .map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n\n');
}

function functionOutput(output: unknown, param: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return assistantText(output, param);
  throw invalidRequest(`Invalid type for '${param}': expected a string.`, param, 'invalid_type');
}

/**
 * Responses items → chat messages. A function call joins the assistant turn just before it (parallel calls are one
 * turn), or opens one; a reasoning item's text goes with the assistant turn after it, as `reasoning_content`.
 */
export function toChatMessages(items: readonly ResponseItem[], firstParam = 'input'): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let reasoning = '';
  const assistantTurn = (): AssistantMessage => {
    const last = messages.at(-1);
    if (last?.role === 'assistant' && reasoning === '') return last;
    const turn: AssistantMessage = { role: 'assistant', content: null };
    messages.push(turn);
    return turn;
  };
  items.forEach((item, index) => {
    const param = `${firstParam}[${index}]`;
    if (!isRecord(item)) throw invalidRequest(`Invalid type for '${param}': expected an object.`, param, 'invalid_type');
    const type = item.type ?? (item.role === undefined ? undefined : 'message');
    switch (type) {
      case 'message': {
        const message = messageOf(item, param);
        if (message.role === 'assistant' && reasoning !== '') {
          message.reasoning_content = reasoning;
          reasoning = '';
        }
        messages.push(message);
        return;
      }
      case 'function_call': {
        const turn = assistantTurn();
        if (reasoning !== '') {
          turn.reasoning_content = reasoning;
          reasoning = '';
        }
        const call = { id: textOf(item.call_id, `${param}.call_id`), type: 'function', function: { name: textOf(item.name, `${param}.name`), arguments: textOf(item.arguments, `${param}.arguments`) } };
        turn.tool_calls = [...(turn.tool_calls ?? []), call];
        return;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: textOf(item.call_id, `${param}.call_id`), content: functionOutput(item.output, `${param}.output`) });
        return;
      case 'reasoning': {
        const text = reasoningText(item);
        reasoning = reasoning === '' ? text : `${reasoning}\n\n${text}`;
        return;
      }
      default:
        throw invalidRequest(
          `Input items of type '${String(type)}' are only understood by OpenAI's own Responses API; this model's upstream is reached through chat completions (messages, function_call, function_call_output and reasoning items).`,
          `${param}.type`,
          'unsupported_input_item',
        );
    }
  });
  return messages;
}

function toChatTools(tools: NonNullable<ResponsesRequest['tools']>): ChatTool[] {
  return tools.map((tool, index) => {
    const param = `tools[${index}]`;
    if (tool.type !== 'function') throw unsupportedToolType(tool.type, `${param}.type`);
    return {
      type: 'function',
      function: {
        name: textOf(tool.name, `${param}.name`),
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        ...(isRecord(tool.parameters) ? { parameters: tool.parameters } : {}),
        ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
      },
    };
  });
}

function toChatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): ChatCompletionRequest['tool_choice'] {
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  throw unsupportedToolType(choice.type, 'tool_choice.type');
}

function toResponseFormat(format: NonNullable<NonNullable<ResponsesRequest['text']>['format']>): ChatCompletionRequest['response_format'] {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return { type: 'json_object' };
    case 'json_schema':
      if (format.name === undefined) throw invalidRequest("Missing required parameter: 'text.format.name'.", 'text.format.name', 'missing_required_parameter');
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          ...(format.schema === undefined ? {} : { schema: format.schema }),
          ...(format.description === undefined ? {} : { description: format.description }),
          ...(typeof format.strict === 'boolean' ? { strict: format.strict } : {}),
        },
      };
  }
}

/**
 * A Responses request as the gateway's chat request, for upstreams reached through chat completions: `history` (the
 * stored conversation a `previous_response_id` names) goes first, then the instructions' system message and the
 * request's own input. A stream asks for usage, which the stream converter reports in `response.completed`.
 */
export function toChatRequest(request: ResponsesRequest, history: readonly ResponseItem[], model: string): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  messages.push(...toChatMessages(history, 'previous_response'), ...toChatMessages(inputItems(request.input)));
  if (messages.length === 0) throw invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const chat: ChatCompletionRequest = { model, messages };
  if (request.tools && request.tools.length > 0) chat.tools = toChatTools(request.tools);
  if (request.tool_choice != null) chat.tool_choice = toChatToolChoice(request.tool_choice);
  if (request.parallel_tool_calls != null && chat.tools) chat.parallel_tool_calls = request.parallel_tool_calls;
  const format = request.text?.format && toResponseFormat(request.text.format);
  if (format) chat.response_format = format;
  if (request.reasoning?.effort != null) chat.reasoning_effort = request.reasoning.effort;
  if (request.max_output_tokens != null) chat.max_tokens = request.max_output_tokens;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.user != null) chat.user = request.user;
  if (request.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  return chat;
}
