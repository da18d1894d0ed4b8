import { invalidRequest } from '../../core/errors.js';
import type { ChatCompletionRequest } from '../../core/openai-schemas.js';
import type { GeminiModelRoute } from './model-name.js';
import { DEFAULT_SAFETY_SETTINGS, type GeminiOptions } from './options.js';
import { toGeminiJsonSchema, toGeminiOpenApiSchema } from './schema.js';
import { toGeminiThinkingConfig } from './thinking.js';
import { toGeminiContents } from './contents.js';
import { toGeminiTools } from './tools.js';
import type { GeminiGenerateContentRequest, GeminiGenerationConfig, JsonObject } from './wire.js';

export type GeminiRequestOptions = Pick<
  GeminiOptions,
  'showThinking' | 'codeExecution' | 'urlContext' | 'thinkingBudgetMap' | 'safetySettings' | 'fetchMedia' | 'schemaMode'
>;

/** Only what the client sent: Gemini's own defaults apply to everything else (no sampling defaults invented here). */
export function toGeminiGenerationConfig(request: ChatCompletionRequest, schemaMode: GeminiRequestOptions['schemaMode']): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.temperature !== null && request.temperature !== undefined) config.temperature = request.temperature;
  if (request.top_p !== null && request.top_p !== undefined) config.topP = request.top_p;
  const topK = (request as Record<string, unknown>).top_k;
  if (topK !== undefined && topK !== null) {
    if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1) throw invalidRequest('top_k must be a positive integer.', 'top_k', 'invalid_value');
    config.topK = topK;
  }
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens !== null && maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (request.stop !== null && request.stop !== undefined) config.stopSequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.n !== null && request.n !== undefined) config.candidateCount = request.n;
  if (request.seed !== null && request.seed !== undefined) config.seed = request.seed;
  if (request.presence_penalty !== null && request.presence_penalty !== undefined) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty !== null && request.frequency_penalty !== undefined) config.frequencyPenalty = request.frequency_penalty;
  if (request.logprobs === true) {
    config.responseLogprobs = true;
    if (request.top_logprobs !== null && request.top_logprobs !== undefined) config.logprobs = request.top_logprobs;
  }
  const format = request.response_format;
  if (format && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    const schema = format.type === 'json_schema' ? (format.json_schema?.schema as JsonObject | undefined) : undefined;
    if (schema) {
      if (schemaMode === 'openapi') config.responseSchema = toGeminiOpenApiSchema(schema);
      else config.responseJsonSchema = toGeminiJsonSchema(schema);
    }
  }
  return config;
}

/** A validated OpenAI chat request → Gemini `GenerateContentRequest` for the model named by `route`. */
export async function toGeminiRequest(
  request: ChatCompletionRequest,
  route: GeminiModelRoute,
  options: GeminiRequestOptions,
): Promise<GeminiGenerateContentRequest> {
  const { systemInstruction, contents } = await toGeminiContents(request.messages, { model: route.model, fetchMedia: options.fetchMedia });
  const schemaMode = options.schemaMode ?? 'json-schema';
  const body: GeminiGenerateContentRequest = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;

  const webSearch = (request as Record<string, unknown>).web_search_options;
  const { tools, toolConfig } = toGeminiTools({
    tools: request.tools,
    toolChoice: request.tool_choice,
    model: route.model,
    schemaMode,
    search: route.search || (webSearch !== undefined && webSearch !== null),
    codeExecution: options.codeExecution,
    urlContext: options.urlContext,
  });
  if (tools) body.tools = tools;
  if (toolConfig) body.toolConfig = toolConfig;

  body.safetySettings = (options.safetySettings ?? DEFAULT_SAFETY_SETTINGS).map((setting) => ({ ...setting }));

  const generationConfig = toGeminiGenerationConfig(request, schemaMode);
  const thinkingConfig = toGeminiThinkingConfig({
    model: route.model,
    nonThinking: route.nonThinking,
    reasoningEffort: request.reasoning_effort,
    operatorBudget: options.thinkingBudgetMap[route.model] ?? options.thinkingBudgetMap[`models/${route.model}`],
    showThinking: options.showThinking,
  });
  if (thinkingConfig) generationConfig.thinkingConfig = thinkingConfig;
  if (route.image) generationConfig.responseModalities = ['TEXT', 'IMAGE'];
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}
