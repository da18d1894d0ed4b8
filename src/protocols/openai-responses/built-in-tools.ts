import { invalidRequest } from '../../core/errors.js';

/** Tools that run inside OpenAI's Responses API itself: no chat upstream can run them. */
const OPENAI_BUILT_IN_TOOLS = new Set([
  'web_search',
  'web_search_preview',
  'web_search_2025_08_26',
  'web_search_preview_2025_03_11',
  'file_search',
  'code_interpreter',
  'computer_use_preview',
  'computer_use',
  'image_generation',
  'mcp',
  'local_shell',
  'shell',
  'apply_patch',
  'tool_search',
]);

/** The 400 for a tool (or tool choice) of a type a route converted to chat cannot offer. */
export function unsupportedToolType(type: string, param: string) {
  const what = OPENAI_BUILT_IN_TOOLS.has(type)
    ? `The tool type '${type}' is built into OpenAI's Responses API`
    : `The tool type '${type}' is not supported`;
  return invalidRequest(
    `${what}; this model's upstream is reached through chat completions, which only offer 'function' tools. Use a model served by OpenAI or Azure for it.`,
    param,
    'unsupported_tool',
  );
}
