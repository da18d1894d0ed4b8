import { z } from 'zod';
import type { TranscriptionResult } from '../types.js';
import type { GeminiGenerateContentRequest, GeminiGenerateContentResponse, JsonObject } from './wire.js';

const SEGMENTS_SCHEMA: JsonObject = {
  type: 'object',
  properties: {
    segments: {
      type: 'array',
      items: {
        type: 'object',
        properties: { start: { type: 'number' }, end: { type: 'number' }, text: { type: 'string' } },
        required: ['start', 'end', 'text'],
      },
    },
  },
  required: ['segments'],
};

const segmentsAnswerSchema = z.object({ segments: z.array(z.object({ start: z.number().nonnegative(), end: z.number().nonnegative(), text: z.string() })) });

export interface TranscriptionAsk {
  audio: Buffer;
  mimeType: string;
  language: string | undefined;
  prompt: string | undefined;
  timestamps: boolean;
}

/** The instruction that makes a chat model a transcriber: verbatim, nothing added, the client's hints included. */
export function transcriptionInstruction(ask: Pick<TranscriptionAsk, 'language' | 'prompt' | 'timestamps'>): string {
  const lines = ['Transcribe this audio verbatim. Answer with the transcript only: no introduction, no comments, no translation.'];
  if (ask.language) lines.push(`The audio is in the language with ISO-639-1 code "${ask.language}"; write the transcript in it.`);
  if (ask.prompt) lines.push(`Context, names and spellings to expect (do not transcribe this): ${ask.prompt}`);
  if (ask.timestamps) lines.push('Split the transcript into segments of a sentence or so, each with its start and end time in seconds from the start of the audio.');
  return lines.join('\n');
}

/** The audio as inline data after the instruction; timed segments are asked for as JSON. */
export function toTranscriptionRequest(ask: TranscriptionAsk): GeminiGenerateContentRequest {
  return {
    contents: [{ role: 'user', parts: [{ text: transcriptionInstruction(ask) }, { inlineData: { mimeType: ask.mimeType, data: ask.audio.toString('base64') } }] }],
    ...(ask.timestamps ? { generationConfig: { responseMimeType: 'application/json', responseJsonSchema: SEGMENTS_SCHEMA } } : {}),
  };
}

/** The transcript of an answer; with timestamps asked, its segments (none when the answer was not the JSON asked for). */
export function transcriptOfAnswer(response: GeminiGenerateContentResponse, timestamps: boolean): Omit<TranscriptionResult, 'usage'> {
  const text = (response.candidates?.[0]?.content?.parts ?? [])
    .filter((part) => part.text !== undefined && part.thought !== true)
    .map((part) => part.text)
    .join('')
    .trim();
  if (!timestamps) return { text, segments: undefined };
  try {
    const answer = segmentsAnswerSchema.parse(JSON.parse(text));
    const segments = answer.segments.map((segment) => ({ start: segment.start, end: Math.max(segment.start, segment.end), text: segment.text.trim() }));
    return { text: segments.map((segment) => segment.text).join(' '), segments };
  } catch {
    return { text, segments: undefined };
  }
}
