/**
 * OpenAI's APIs beside Chat Completions that an OpenAI-compatible upstream may be sent as they are: `images` is
 * `/images/generations` and `/images/edits`, `audio` is `/audio/speech` and `/audio/transcriptions`.
 */
export const PASSTHROUGH_APIS = ['responses', 'completions', 'images', 'audio'] as const;
export type PassthroughApi = (typeof PASSTHROUGH_APIS)[number];
