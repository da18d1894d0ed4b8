import { z } from 'zod';

/**
 * The Gemini Developer API wire format (generativelanguage v1beta), as far as the gateway writes or reads it.
 * Requests are typed only; responses are also described as zod schemas, loose so that fields Google adds later
 * pass through, strict enough that a malformed answer is caught at the edge instead of deep in a converter.
 */

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface GeminiInlineData {
  mimeType: string;
  data: string;
}

export interface GeminiFunctionCall {
  id?: string;
  name: string;
  args?: JsonObject;
}

export interface GeminiFunctionResponse {
  id?: string;
  name: string;
  response: JsonObject;
}

/** A request part: exactly one data field, plus the thought flag and signature where they apply. */
export interface GeminiPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: GeminiInlineData;
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
}

export type GeminiRole = 'user' | 'model';

export interface GeminiContent {
  role: GeminiRole;
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** The OpenAPI-subset Schema (the `openapi` schema mode). */
  parameters?: JsonObject;
  /** A plain JSON Schema (the default `json-schema` mode); mutually exclusive with `parameters`. */
  parametersJsonSchema?: JsonObject;
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  googleSearch?: Record<string, never>;
  codeExecution?: Record<string, never>;
  urlContext?: Record<string, never>;
}

export type FunctionCallingMode = 'AUTO' | 'ANY' | 'NONE';

export interface GeminiToolConfig {
  functionCallingConfig: { mode: FunctionCallingMode; allowedFunctionNames?: string[] };
}

export type ThinkingLevel = 'minimal' | 'low' | 'medium' | 'high';

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  thinkingBudget?: number;
  thinkingLevel?: ThinkingLevel;
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseLogprobs?: boolean;
  logprobs?: number;
  responseMimeType?: string;
  responseSchema?: JsonObject;
  responseJsonSchema?: JsonObject;
  thinkingConfig?: GeminiThinkingConfig;
  /** `['TEXT', 'IMAGE']` for image models, `['AUDIO']` for speech models. */
  responseModalities?: ('TEXT' | 'IMAGE' | 'AUDIO')[];
  imageConfig?: { aspectRatio?: string };
  speechConfig?: { voiceConfig: { prebuiltVoiceConfig: { voiceName: string } } };
}

export interface GeminiSafetySetting {
  category: string;
  threshold: string;
}

export interface GeminiGenerateContentRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  safetySettings?: GeminiSafetySetting[];
  generationConfig?: GeminiGenerationConfig;
}

// ---- responses ----

const jsonObject = z.record(z.string(), z.unknown());

const partialArgSchema = z.looseObject({
  jsonPath: z.string(),
  stringValue: z.string().optional(),
  numberValue: z.number().optional(),
  boolValue: z.boolean().optional(),
  nullValue: z.string().optional(),
  willContinue: z.boolean().optional(),
});

export const functionCallSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  args: jsonObject.optional(),
  /** Vertex AI only (`streamFunctionCallArguments`): the arguments arrive in pieces over several chunks. */
  partialArgs: z.array(partialArgSchema).optional(),
  willContinue: z.boolean().optional(),
});

export const responsePartSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  fileData: z.looseObject({ mimeType: z.string().optional(), fileUri: z.string() }).optional(),
  functionCall: functionCallSchema.optional(),
  executableCode: z.looseObject({ language: z.string().optional(), code: z.string().optional() }).optional(),
  codeExecutionResult: z.looseObject({ outcome: z.string().optional(), output: z.string().optional() }).optional(),
});

const groundingChunkSchema = z.looseObject({
  web: z.looseObject({ uri: z.string().optional(), title: z.string().optional() }).optional(),
  retrievedContext: z.looseObject({ uri: z.string().optional(), title: z.string().optional() }).optional(),
});

export const groundingMetadataSchema = z.looseObject({
  webSearchQueries: z.array(z.string()).optional(),
  groundingChunks: z.array(groundingChunkSchema).optional(),
});

const logprobCandidateSchema = z.looseObject({ token: z.string().optional(), logProbability: z.number().optional() });

export const logprobsResultSchema = z.looseObject({
  chosenCandidates: z.array(logprobCandidateSchema).optional(),
  topCandidates: z.array(z.looseObject({ candidates: z.array(logprobCandidateSchema).optional() })).optional(),
});

export const candidateSchema = z.looseObject({
  index: z.number().int().optional(),
  content: z.looseObject({ role: z.string().optional(), parts: z.array(responsePartSchema).optional() }).optional(),
  finishReason: z.string().optional(),
  finishMessage: z.string().optional(),
  groundingMetadata: groundingMetadataSchema.optional(),
  logprobsResult: logprobsResultSchema.optional(),
});

const modalityCountSchema = z.looseObject({ modality: z.string().optional(), tokenCount: z.number().optional() });

export const usageMetadataSchema = z.looseObject({
  promptTokenCount: z.number().optional(),
  cachedContentTokenCount: z.number().optional(),
  candidatesTokenCount: z.number().optional(),
  toolUsePromptTokenCount: z.number().optional(),
  thoughtsTokenCount: z.number().optional(),
  totalTokenCount: z.number().optional(),
  promptTokensDetails: z.array(modalityCountSchema).optional(),
  cacheTokensDetails: z.array(modalityCountSchema).optional(),
  candidatesTokensDetails: z.array(modalityCountSchema).optional(),
  toolUsePromptTokensDetails: z.array(modalityCountSchema).optional(),
});

export const generateContentResponseSchema = z.looseObject({
  candidates: z.array(candidateSchema).optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() }).optional(),
  usageMetadata: usageMetadataSchema.optional(),
  modelVersion: z.string().optional(),
  responseId: z.string().optional(),
});

export type GeminiResponsePart = z.infer<typeof responsePartSchema>;
export type GeminiResponseFunctionCall = z.infer<typeof functionCallSchema>;
export type GeminiCandidate = z.infer<typeof candidateSchema>;
export type GeminiGroundingMetadata = z.infer<typeof groundingMetadataSchema>;
export type GeminiLogprobsResult = z.infer<typeof logprobsResultSchema>;
export type GeminiUsageMetadata = z.infer<typeof usageMetadataSchema>;
export type GeminiGenerateContentResponse = z.infer<typeof generateContentResponseSchema>;

export const batchEmbedContentsResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

export const modelListSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        supportedGenerationMethods: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  nextPageToken: z.string().optional(),
});

export type GeminiModelList = z.infer<typeof modelListSchema>;
