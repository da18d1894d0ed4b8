import { z } from 'zod';

/**
 * Request schemas for the OpenAI endpoints the gateway serves. They check the fields the gateway and its
 * converters rely on and the types of well-known parameters; every other field is kept (loose objects) and passed
 * through to OpenAI-compatible upstreams, so new OpenAI parameters work without a release.
 */

const contentPart = z.looseObject({ type: z.string() });
const textOrParts = z.union([z.string(), z.array(contentPart)]);

const toolCall = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }).optional(),
});

const chatMessage = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content: textOrParts, name: z.string().optional() }),
  z.looseObject({ role: z.literal('developer'), content: textOrParts, name: z.string().optional() }),
  z.looseObject({ role: z.literal('user'), content: textOrParts, name: z.string().optional() }),
  z.looseObject({
    role: z.literal('assistant'),
    content: textOrParts.nullish(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).nullish(),
    reasoning_content: z.string().nullish(),
  }),
  z.looseObject({ role: z.literal('tool'), content: textOrParts, tool_call_id: z.string() }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

const functionTool = z.looseObject({
  type: z.string(),
  function: z
    .looseObject({
      name: z.string(),
      description: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    })
    .optional(),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.string(), function: z.looseObject({ name: z.string() }).optional() }),
]);

const responseFormat = z.looseObject({
  type: z.enum(['text', 'json_object', 'json_schema']),
  json_schema: z
    .looseObject({ name: z.string(), schema: z.record(z.string(), z.unknown()).optional(), strict: z.boolean().nullish() })
    .optional(),
});

const wholeNumber = z.number().int();

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z.array(chatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  n: wholeNumber.min(1).nullish(),
  max_tokens: wholeNumber.min(1).nullish(),
  max_completion_tokens: wholeNumber.min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  seed: wholeNumber.nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: wholeNumber.min(0).nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  tools: z.array(functionTool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
  reasoning_effort: z.string().nullish(),
  user: z.string().nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessage>;

const PLAIN_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

/** Messages of a role and text content alone, which every role's schema accepts. */
function plainMessages(messages: unknown): boolean {
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const message of messages as unknown[]) {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return false;
    let fields = 0;
    for (const field in message) {
      if (field !== 'role' && field !== 'content') return false;
      fields += 1;
    }
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (fields !== 2 || !PLAIN_ROLES.has(role as string) || typeof content !== 'string') return false;
  }
  return true;
}

const nullOrBoolean = (value: unknown) => value === null || typeof value === 'boolean';
const nullOrNumber = (value: unknown) => value === null || typeof value === 'number';
const nullOrString = (value: unknown) => value === null || typeof value === 'string';
const nullOrCount = (value: unknown) => value === null || (Number.isSafeInteger(value) && (value as number) >= 1);

/** The request fields a plain request may carry, each with what the schema surely accepts of it. */
const PLAIN_FIELDS = new Map<string, (value: unknown) => boolean>([
  ['model', (value) => typeof value === 'string' && value !== ''],
  ['messages', plainMessages],
  ...['stream', 'logprobs', 'parallel_tool_calls'].map((field) => [field, nullOrBoolean] as const),
  ...['temperature', 'top_p', 'presence_penalty', 'frequency_penalty'].map((field) => [field, nullOrNumber] as const),
  ...['n', 'max_tokens', 'max_completion_tokens'].map((field) => [field, nullOrCount] as const),
  ...['user', 'reasoning_effort'].map((field) => [field, nullOrString] as const),
]);
const CHAT_FIELDS = new Set(Object.keys(chatCompletionRequestSchema.shape));

/**
 * Whether a chat request is one the schema surely accepts as it is: messages of text alone, and only well-known
 * scalar parameters of the right type besides fields the schema does not know (which it keeps). Most calls are
 * such, and this check costs a fraction of the schema's; for anything else (tools, images, options objects, any
 * mistake) it says false and the schema decides and words the error.
 */
export function isPlainChatRequest(body: unknown): body is ChatCompletionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  let hasMessages = false;
  for (const field in body) {
    const plain = PLAIN_FIELDS.get(field);
    if (plain === undefined ? CHAT_FIELDS.has(field) : !plain((body as Record<string, unknown>)[field])) return false;
    if (field === 'messages') hasMessages = true;
  }
  return hasMessages;
}

const tokenArray = z.array(wholeNumber).min(1);

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: z.union([z.string(), z.array(z.string()).min(1), tokenArray, z.array(tokenArray).min(1)]),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: wholeNumber.min(1).nullish(),
  user: z.string().nullish(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

const prompt = z.union([z.string(), z.array(z.string()).min(1), tokenArray, z.array(tokenArray).min(1)]);

/** Legacy text completions (`/v1/completions`). */
export const completionsRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  prompt,
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: wholeNumber.min(0).nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  n: wholeNumber.min(1).nullish(),
  best_of: wholeNumber.min(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  suffix: z.string().nullish(),
  echo: z.boolean().nullish(),
  logprobs: wholeNumber.min(0).nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  seed: wholeNumber.nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
  user: z.string().nullish(),
});

export type CompletionsRequest = z.infer<typeof completionsRequestSchema>;
