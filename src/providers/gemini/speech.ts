import { invalidRequest } from '../../core/errors.js';
import type { GeminiGenerateContentRequest, GeminiGenerateContentResponse } from './wire.js';

/** Gemini's prebuilt voices (https://ai.google.dev/gemini-api/docs/speech-generation#voices). */
export const GEMINI_VOICES = [
  'Zephyr', 'Puck', 'Charon', 'Kore', 'Fenrir', 'Leda', 'Orus', 'Aoede', 'Callirrhoe', 'Autonoe', 'Enceladus', 'Iapetus', 'Umbriel', 'Algieba', 'Despina',
  'Erinome', 'Algenib', 'Rasalgethi', 'Laomedeia', 'Achernar', 'Alnilam', 'Schedar', 'Gacrux', 'Pulcherrima', 'Achird', 'Zubenelgenubi', 'Vindemiatrix',
  'Sadachbia', 'Sadaltager', 'Sulafat',
] as const;

/**
 * OpenAI's voices → the Gemini voice closest in character (Google describes Kore as firm, Puck upbeat, Charon
 * informative, Fenrir excitable, Orus firm, Aoede breezy, Leda youthful, Zephyr bright, Enceladus breathy, Schedar
 * even, Sadaltager knowledgeable).
 */
export const OPENAI_TO_GEMINI_VOICE: Readonly<Record<string, string>> = {
  alloy: 'Kore',
  echo: 'Charon',
  fable: 'Fenrir',
  onyx: 'Orus',
  nova: 'Aoede',
  shimmer: 'Leda',
  ash: 'Puck',
  ballad: 'Enceladus',
  coral: 'Zephyr',
  sage: 'Schedar',
  verse: 'Sadaltager',
};

const GEMINI_BY_LOWER = new Map(GEMINI_VOICES.map((voice) => [voice.toLowerCase(), voice]));

/** The Gemini voice for a client's voice: an OpenAI voice mapped, a Gemini voice as it is (any case); else a 400. */
export function geminiVoice(voice: string): string {
  const lower = voice.toLowerCase();
  const found = OPENAI_TO_GEMINI_VOICE[lower] ?? GEMINI_BY_LOWER.get(lower);
  if (found) return found;
  throw invalidRequest(
    `Unknown voice '${voice}'. Use an OpenAI voice (${Object.keys(OPENAI_TO_GEMINI_VOICE).join(', ')}) or a Gemini voice (${GEMINI_VOICES.join(', ')}).`,
    'voice',
    'invalid_value',
  );
}

/** A speech request: the text (after the client's instructions on how to say it), audio out in one voice. */
export function toSpeechRequest(input: string, voice: string, instructions: string | undefined): GeminiGenerateContentRequest {
  const text = instructions ? `${instructions.trim()}\n\n${input}` : input;
  return {
    contents: [{ role: 'user', parts: [{ text }] }],
    generationConfig: { responseModalities: ['AUDIO'], speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: geminiVoice(voice) } } } },
  };
}

/** The audio of an answer: its inline audio parts joined, with the MIME type of the first. */
export function audioOfAnswer(response: GeminiGenerateContentResponse): { pcm: Buffer; mimeType: string } | undefined {
  const parts = (response.candidates?.[0]?.content?.parts ?? []).filter((part) => part.inlineData?.mimeType.startsWith('audio/'));
  if (parts.length === 0) return undefined;
  return { pcm: Buffer.concat(parts.map((part) => Buffer.from(part.inlineData!.data, 'base64'))), mimeType: parts[0]!.inlineData!.mimeType };
}
