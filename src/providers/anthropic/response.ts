import { UpstreamError } from '../../core/errors.js';
import { type OpenAIFinishReason, toOpenAIFinishReason } from './finish-reason.js';
import { calledFromCode, REASONING_SEPARATOR } from './block-rules.js';
import { toolCallIdCarrying } from './tool-call-id.js';
import { type AnthropicClientUsage, toOpenAIUsage } from './usage.js';
import {
  type AnthropicMessageResponse,
  type AnthropicReasoningBlock,
  redactedThinkingBlockSchema,
  textBlockSchema,
  thinkingBlockSchema,
  toolUseBlockSchema,
} from './wire.js';

// Type aliases rather than interfaces, so they stay assignable to plain JSON records.
export type OpenAIToolCall = {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
};

export type ChatCompletionMessage = {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  /** Claude's (summarised) thinking, under the field DeepSeek made common. */
  reasoning_content?: string;
  tool_calls?: OpenAIToolCall[];
};

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [{ index: 0; message: ChatCompletionMessage; logprobs: null; finish_reason: OpenAIFinishReason | null }];
  usage: AnthropicClientUsage;
}

function parseBlock<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, block: unknown, provider: string, index: number): T {
  const parsed = schema.safeParse(block);
  if (parsed.success) return parsed.data;
  throw new UpstreamError(provider, 'protocol', 502, `Upstream ${provider} sent a malformed content block (content[${index}]).`, {
    code: 'upstream_invalid_response',
  });
}

/**
 * A complete Anthropic message as an OpenAI chat completion. Text blocks make `content`, client `tool_use` blocks
 * `tool_calls` (their ids carrying any reasoning before them, see tool-call-id.ts), thinking `reasoning_content`.
 * Redacted thinking only travels in ids. Server-tool blocks (web search, code execution, MCP, advisor, tool
 * calls made by executed code …) and other blocks with no OpenAI counterpart are left out: the client cannot run or return them, and the text
 * blocks around them already carry what the model made of them.
 */
export function toChatCompletion(message: AnthropicMessageResponse, options: { provider: string; created: number }): ChatCompletion {
  const texts: string[] = [];
  const reasoningTexts: string[] = [];
  const toolCalls: OpenAIToolCall[] = [];
  let reasoningSinceLastCall: AnthropicReasoningBlock[] = [];
  message.content.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        texts.push(parseBlock(textBlockSchema, block, options.provider, index).text);
        break;
      case 'thinking': {
        const { thinking, signature } = parseBlock(thinkingBlockSchema, block, options.provider, index);
        if (thinking !== '') reasoningTexts.push(thinking);
        reasoningSinceLastCall.push({ type: 'thinking', thinking, signature: signature ?? '' });
        break;
      }
      case 'redacted_thinking':
        reasoningSinceLastCall.push({ type: 'redacted_thinking', data: parseBlock(redactedThinkingBlockSchema, block, options.provider, index).data });
        break;
      case 'tool_use': {
        if (calledFromCode(block)) break;
        const toolUse = parseBlock(toolUseBlockSchema, block, options.provider, index);
        toolCalls.push({
          id: toolCallIdCarrying(toolUse.id, reasoningSinceLastCall),
          type: 'function',
          function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input) },
        });
        reasoningSinceLastCall = [];
        break;
      }
      default:
        break;
    }
  });
  const refused = message.stop_reason === 'refusal';
  const chatMessage: ChatCompletionMessage = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    refusal: refused ? (message.stop_details?.explanation ?? null) : null,
  };
  if (reasoningTexts.length > 0) chatMessage.reasoning_content = reasoningTexts.join(REASONING_SEPARATOR);
  if (toolCalls.length > 0) chatMessage.tool_calls = toolCalls;
  return {
    id: message.id,
    object: 'chat.completion',
    created: options.created,
    model: message.model,
    choices: [{ index: 0, message: chatMessage, logprobs: null, finish_reason: message.stop_reason == null && message.content.length === 0 ? null : toOpenAIFinishReason(message.stop_reason, toolCalls.length > 0) }],
    usage: toOpenAIUsage(message.usage),
  };
}
