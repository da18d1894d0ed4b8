import { z } from 'zod';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { pcmToMp3 } from '../../media/mp3.js';
import { pcmFormatOf, pcmSeconds, pcmToWav } from '../../media/wav.js';
import { openAIErrorReply } from '../openai/wire.js';
import type { ClientProtocol } from '../protocol.js';
import { forwardJson, type MediaOutcome, mediaPlanHooks, mediaReply, notSupported, servesOwnApi } from './media-call.js';

const speechRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: z.string().min(1, 'input must not be empty').max(4096),
  voice: z.string().min(1).optional(),
  instructions: z.string().nullish(),
  response_format: z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']).nullish(),
  speed: z.number().min(0.25).max(4).nullish(),
});
type SpeechRequest = z.infer<typeof speechRequestSchema>;

interface ReceivedSpeechRequest {
  request: SpeechRequest;
  rawBody: string | undefined;
}

/** The formats the gateway writes from an upstream's raw PCM. */
export const MADE_SPEECH_FORMATS = ['mp3', 'wav', 'pcm'] as const;
type MadeSpeechFormat = (typeof MADE_SPEECH_FORMATS)[number];
const CONTENT_TYPES = { mp3: 'audio/mpeg', wav: 'audio/wav', pcm: 'audio/pcm' } as const;

/**
 * The format to write raw PCM in: `mp3` (OpenAI's default, also when the client named none), `wav` or `pcm`. Opus,
 * AAC and FLAC would each need an encoder the gateway does not ship: refused with the list of those available.
 */
export function madeSpeechFormat(format: SpeechRequest['response_format'], model: string): MadeSpeechFormat {
  if (format === undefined || format === null) return 'mp3';
  if ((MADE_SPEECH_FORMATS as readonly string[]).includes(format)) return format as MadeSpeechFormat;
  throw invalidRequest(`The response_format '${format}' is not available for \`${model}\`; use one of ${MADE_SPEECH_FORMATS.join(', ')}.`, 'response_format', 'unsupported_value');
}

/** gemini-balance's speech defaults (TTS_MODEL, TTS_VOICE_NAME, TTS_SPEED). */
export interface SpeechDefaults {
  /** The model of a request that names none (before a token's default model). */
  model: string;
  /** The voice of a request that names none. */
  voice: string;
  /** The pace asked of a converted upstream in words, as gemini-balance asked it; `normal` asks nothing. */
  speed: 'slow' | 'normal' | 'fast';
}

/** The client's instructions, after gemini-balance's pace instruction when TTS_SPEED is not normal. */
export function speechInstructions(instructions: string | null | undefined, speed: SpeechDefaults['speed']): string | undefined {
  const pace = speed === 'normal' ? undefined : `Speak in a ${speed} speed voice.`;
  const parts = [pace, instructions?.trim() || undefined].filter((part) => part !== undefined);
  return parts.length === 0 ? undefined : parts.join(' ');
}

const encoders: Record<MadeSpeechFormat, (pcm: Buffer, format: ReturnType<typeof pcmFormatOf>) => Buffer> = {
  mp3: pcmToMp3,
  wav: pcmToWav,
  pcm: (pcm) => pcm,
};

/**
 * OpenAI's text to speech (`POST /v1/audio/speech`). An upstream that serves OpenAI's Audio API gets the request as
 * it came and its audio bytes pass through; one that speaks its own way (Gemini's TTS models) gets the text, the
 * voice (OpenAI's voices mapped to its own; TTS_VOICE_NAME when the request names none; TTS_MODEL likewise) and the instructions
 * (after TTS_SPEED's pace), and its raw PCM comes back as MP3 (the default, as OpenAI's), WAV (a header that states
 * its rate, channels, bits and length) or as it is (`pcm`). `speed` is not applied to converted speech:
 * Gemini has no such setting (an instruction such as "speak slowly" in `instructions` does it).
 */
export const openAISpeechProtocol = (defaults: SpeechDefaults): ClientProtocol<ReceivedSpeechRequest, MediaOutcome> => ({
  endpoint: 'speech',

  parse(wire) {
    const request = validateRequest(speechRequestSchema, wire.body);
    return {
      model: request.model ?? defaults.model,
      stream: false,
      request: { request, rawBody: wire.rawBody },
      excerpt: () => request.input.slice(0, EXCERPT_LENGTH),
      size: () => ({ prompt: estimateTokens(request.input), maxOutput: 0 }),
    };
  },

  plan(received, call) {
    const { request } = received;
    return {
      operation: async (route, apiKey, cancellation = call.cancellation) => {
        const provider = route.target.provider;
        if (servesOwnApi(provider, 'audio')) return forwardJson(received, call, route, { apiKey, cancellation }, '/audio/speech', '*/*');
        if (!provider.speech) throw notSupported(call.model, 'speech');
        const format = madeSpeechFormat(request.response_format, call.model);
        const instructions = speechInstructions(request.instructions, defaults.speed);
        const speech = await provider.speech({ input: request.input, voice: request.voice ?? defaults.voice, instructions, upstreamModel: route.upstreamModel, apiKey, cancellation });
        const pcm = pcmFormatOf(speech.mimeType);
        const body = encoders[format](speech.pcm, pcm);
        const seconds = Math.round(pcmSeconds(speech.pcm.length, pcm) * 1000) / 1000;
        return { kind: 'made', contentType: CONTENT_TYPES[format], body, usage: speech.usage && { ...speech.usage, media: { images: 0, imageSize: '', audioSeconds: seconds, characters: request.input.length } } };
      },
      ...mediaPlanHooks,
    };
  },

  reply(outcome, received) {
    const { request } = received;
    return mediaReply(outcome, estimateTokens(request.input), { characters: request.input.length });
  },

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
});
