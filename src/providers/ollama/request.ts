import { invalidRequest } from '../../core/errors.js';
import type { ChatCompletionRequest } from '../../core/openai-schemas.js';
import type { MediaFetcher } from '../../upstream/media.js';
import { toOllamaMessages } from './messages.js';
import type { OllamaChatRequest, OllamaModelOptions, OllamaThink, OllamaTool } from './wire.js';

type OpenAITool = NonNullable<ChatCompletionRequest['tools']>[number];

/** A tool list without parameters still needs a schema on Ollama's side. */
const NO_PARAMETERS = { type: 'object', properties: {} };

function toOllamaTool(tool: OpenAITool, index: number): OllamaTool {
  if (tool.type !== 'function' || !tool.function) {
    throw invalidRequest(`Tools of type '${tool.type}' are not supported by Ollama; only function tools are.`, `tools[${index}].type`, 'unsupported_value');
  }
  const { name, description, parameters } = tool.function;
  return {
    type: 'function',
    function: { name, ...(description === undefined ? {} : { description }), parameters: parameters ?? NO_PARAMETERS },
  };
}

/**
 * OpenAI tools → Ollama tools. Ollama has no `tool_choice`: `none` is honoured by sending no tools, a named
 * function by offering only that one; `auto` and `required` leave the choice to the model.
 */
export function toOllamaTools(tools: ChatCompletionRequest['tools'], toolChoice: ChatCompletionRequest['tool_choice']): OllamaTool[] | undefined {
  if (!tools || tools.length === 0 || toolChoice === 'none') return undefined;
  const converted = tools.map(toOllamaTool);
  if (toolChoice !== null && typeof toolChoice === 'object' && toolChoice.function) {
    const chosen = toolChoice.function.name;
    const only = converted.filter((tool) => tool.function.name === chosen);
    if (only.length === 0) throw invalidRequest(`tool_choice names the function '${chosen}', which is not in tools.`, 'tool_choice', 'invalid_value');
    return only;
  }
  return converted;
}

function wholeNumberParam(request: ChatCompletionRequest, name: string): number | undefined {
  const value = request[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidRequest(`Invalid type for '${name}': expected an integer.`, name, 'invalid_type');
  return value;
}

/**
 * OpenAI sampling parameters → Ollama `options`, only those the client sent (Ollama's and the model's own
 * defaults apply otherwise). `top_k` is not OpenAI's but many clients send it; `max_completion_tokens` wins
 * over the older `max_tokens`.
 */
export function toOllamaOptions(request: ChatCompletionRequest): OllamaModelOptions | undefined {
  const options: OllamaModelOptions = {};
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.top_p = request.top_p;
  const topK = wholeNumberParam(request, 'top_k');
  if (topK !== undefined) options.top_k = topK;
  if (request.seed != null) options.seed = request.seed;
  if (request.stop != null) {
    const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
    if (stop.length > 0) options.stop = stop;
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) options.num_predict = maxTokens;
  if (request.presence_penalty != null) options.presence_penalty = request.presence_penalty;
  if (request.frequency_penalty != null) options.frequency_penalty = request.frequency_penalty;
  return Object.keys(options).length === 0 ? undefined : options;
}

/** `response_format` → `format`: JSON mode is `"json"`, a JSON schema is sent as the schema itself. */
export function toOllamaFormat(responseFormat: ChatCompletionRequest['response_format']): OllamaChatRequest['format'] {
  if (!responseFormat || responseFormat.type === 'text') return undefined;
  if (responseFormat.type === 'json_schema' && responseFormat.json_schema?.schema) return responseFormat.json_schema.schema;
  return 'json';
}

const THINK_BY_EFFORT: Record<string, OllamaThink> = {
  none: false,
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'high',
};

/**
 * `reasoning_effort` → `think`, as Ollama's own OpenAI layer maps it: `none` turns thinking off, a level is
 * passed as that level (OpenAI's `minimal` and `xhigh` to the nearest one Ollama has). Not sent otherwise, so
 * a thinking model thinks by default as it does in Ollama.
 */
export function toOllamaThink(reasoningEffort: ChatCompletionRequest['reasoning_effort']): OllamaThink | undefined {
  if (reasoningEffort == null) return undefined;
  const think = THINK_BY_EFFORT[reasoningEffort];
  if (think === undefined) {
    throw invalidRequest(
      `Invalid value for 'reasoning_effort': '${reasoningEffort}'. Supported values are: ${Object.keys(THINK_BY_EFFORT).map((effort) => `'${effort}'`).join(', ')}.`,
      'reasoning_effort',
      'invalid_value',
    );
  }
  return think;
}

/** The whole `/api/chat` body for an OpenAI chat request; only fields with a value are present. */
export async function toOllamaChatRequest(request: ChatCompletionRequest, upstreamModel: string, fetchMedia: MediaFetcher): Promise<OllamaChatRequest> {
  if (request.n != null && request.n > 1) {
    throw invalidRequest('Ollama returns one choice per request; n must be 1.', 'n', 'unsupported_value');
  }
  const tools = toOllamaTools(request.tools, request.tool_choice);
  const format = toOllamaFormat(request.response_format);
  const options = toOllamaOptions(request);
  const think = toOllamaThink(request.reasoning_effort);
  const topLogprobs = request.logprobs === true ? request.top_logprobs : undefined;
  const ollamaRequest: OllamaChatRequest = {
    model: upstreamModel,
    messages: await toOllamaMessages(request.messages, fetchMedia),
    stream: request.stream === true,
  };
  if (tools) ollamaRequest.tools = tools;
  if (format !== undefined) ollamaRequest.format = format;
  if (options) ollamaRequest.options = options;
  if (think !== undefined) ollamaRequest.think = think;
  if (request.logprobs === true) ollamaRequest.logprobs = true;
  if (topLogprobs != null) ollamaRequest.top_logprobs = topLogprobs;
  return ollamaRequest;
}
