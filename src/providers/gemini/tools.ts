import { z } from 'zod';
import { invalidRequest } from '../../core/errors.js';
import type { ChatCompletionRequest } from '../../core/openai-schemas.js';
import { isGemini3OrLater } from './model-name.js';
import type { GeminiSchemaMode } from './options.js';
import { isEmptyObjectSchema, toGeminiJsonSchema, toGeminiOpenApiSchema } from './schema.js';
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig, JsonObject } from './wire.js';

export interface ToolsRequest {
  tools: ChatCompletionRequest['tools'];
  toolChoice: ChatCompletionRequest['tool_choice'];
  /** The bare model name. */
  model: string;
  schemaMode: GeminiSchemaMode;
  /** Google Search grounding (a `-search` model, a listed search model, or `web_search_options`). */
  search: boolean;
  codeExecution: boolean;
  urlContext: boolean;
}

export interface GeminiToolsPart {
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
}

const allowedToolsChoice = z.object({
  type: z.literal('allowed_tools'),
  allowed_tools: z.object({
    mode: z.enum(['auto', 'required']),
    tools: z.array(z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })),
  }),
});

export function toGeminiFunctionDeclaration(
  tool: NonNullable<ChatCompletionRequest['tools']>[number],
  index: number,
  schemaMode: GeminiSchemaMode,
): GeminiFunctionDeclaration {
  if (tool.type !== 'function' || !tool.function) {
    throw invalidRequest(`Tool type '${tool.type}' is not supported for Gemini models; only function tools are.`, `tools[${index}].type`, 'invalid_value');
  }
  const { name, description, parameters } = tool.function;
  const declaration: GeminiFunctionDeclaration = { name };
  if (description !== undefined) declaration.description = description;
  const schema = parameters as JsonObject | undefined;
  if (!isEmptyObjectSchema(schema) && schema) {
    if (schemaMode === 'openapi') declaration.parameters = toGeminiOpenApiSchema(schema);
    else declaration.parametersJsonSchema = toGeminiJsonSchema(schema);
  }
  return declaration;
}

/**
 * OpenAI `tools` / `tool_choice` → Gemini `tools` / `toolConfig`: all functions in one `functionDeclarations`
 * tool, then the built-in tools. Before Gemini 3 the API does not combine function calling with built-in tools, so
 * there the client's functions win and the built-ins are left out.
 */
export function toGeminiTools(request: ToolsRequest): GeminiToolsPart {
  let declarations = (request.tools ?? []).map((tool, index) => toGeminiFunctionDeclaration(tool, index, request.schemaMode));
  let toolConfig: GeminiToolConfig | undefined;

  const choice = request.toolChoice;
  if (declarations.length > 0 && choice !== undefined && choice !== null) {
    if (choice === 'none') toolConfig = { functionCallingConfig: { mode: 'NONE' } };
    else if (choice === 'auto') toolConfig = { functionCallingConfig: { mode: 'AUTO' } };
    else if (choice === 'required') toolConfig = { functionCallingConfig: { mode: 'ANY' } };
    else if (choice.type === 'function' && choice.function) {
      const name = choice.function.name;
      if (!declarations.some((declaration) => declaration.name === name)) {
        throw invalidRequest(`tool_choice names the function '${name}', which is not among the tools.`, 'tool_choice', 'invalid_value');
      }
      toolConfig = { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
    } else {
      const allowed = allowedToolsChoice.safeParse(choice);
      if (!allowed.success) throw invalidRequest(`Unsupported tool_choice type '${choice.type}'.`, 'tool_choice', 'invalid_value');
      const names = new Set(allowed.data.allowed_tools.tools.map((tool) => tool.function.name));
      // Gemini restricts by name only in ANY mode, so for `auto` the other functions are simply not declared.
      declarations = declarations.filter((declaration) => names.has(declaration.name));
      toolConfig =
        allowed.data.allowed_tools.mode === 'required'
          ? { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [...names] } }
          : { functionCallingConfig: { mode: 'AUTO' } };
    }
  }

  const tools: GeminiTool[] = [];
  if (declarations.length > 0) tools.push({ functionDeclarations: declarations });
  if (declarations.length === 0 || isGemini3OrLater(request.model)) {
    if (request.search) tools.push({ googleSearch: {} });
    if (request.codeExecution) tools.push({ codeExecution: {} });
    if (request.urlContext) tools.push({ urlContext: {} });
  }
  const part: GeminiToolsPart = {};
  if (tools.length > 0) part.tools = tools;
  if (toolConfig) part.toolConfig = toolConfig;
  return part;
}
