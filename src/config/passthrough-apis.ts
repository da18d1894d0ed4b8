/** OpenAI's APIs beside Chat Completions that an OpenAI-compatible upstream may be sent as they are. */
export const PASSTHROUGH_APIS = ['responses', 'completions'] as const;
export type PassthroughApi = (typeof PASSTHROUGH_APIS)[number];
