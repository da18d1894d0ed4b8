import { z } from 'zod';
import { EXCERPT_LENGTH } from '../../calls/call.js';
import { invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { pcmFormatOf, pcmSeconds, pcmToWav } from '../../media/wav.js';
import { openAIErrorReply } from '../openai/wire.js';
import type { ClientProtocol } from '../protocol.js';
import { forwardJson, type MediaOutcome, mediaPlanHooks, mediaReply, notSupported, servesOwnApi } from './media-call.js';

const speechRequestSchema = z.looseObject({
  model: z.string().min(1).optional(),
  input: z.string().min(1, 'input must not be empty').max(4096),
  voice: z.string().min(1),
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
export const MADE_SPEECH_FORMATS = ['wav', 'pcm'] as const;
const CONTENT_TYPES = { wav: 'audio/wav', pcm: 'audio/pcm' } as const;

/**
 * The format to write raw PCM in: `wav` or `pcm`; `wav` when the client named none (OpenAI's default, mp3, would
 * need an encoder the gateway does not ship). Compressed formats are refused with the list of those available.
 */
export function madeSpeechFormat(format: SpeechRequest['response_format'], model: string): (typeof MADE_SPEECH_FORMATS)[number] {
  if (format === undefined || format === null) return 'wav';
  if (format === 'wav' || format === 'pcm') return format;
  throw invalidRequest(`The response_format '${format}' is not available for \`${model}\`; use one of ${MADE_SPEECH_FORMATS.join(', ')}.`, 'response_format', 'unsupported_value');
}

/**
 * OpenAI's text to speech (`POST /v1/audio/speech`). An upstream that serves OpenAI's Audio API gets the request as
 * it came and its audio bytes pass through; one that speaks its own way (Gemini's TTS models) gets the text, the
 * voice (OpenAI's voices mapped to its own) and the instructions, and its raw PCM comes back as WAV (a header that
 * states its rate, channels, bits and length) or as it is (`pcm`). `speed` is not applied to converted speech:
 * Gemini has no such setting (an instruction such as "speak slowly" in `instructions` does it).
 */
export const openAISpeechProtocol: ClientProtocol<ReceivedSpeechRequest, MediaOutcome> = {
  endpoint: 'speech',

  parse(wire) {
    const request = validateRequest(speechRequestSchema, wire.body);
    return {
      model: request.model,
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
        const speech = await provider.speech({ input: request.input, voice: request.voice, instructions: request.instructions ?? undefined, upstreamModel: route.upstreamModel, apiKey, cancellation });
        const pcm = pcmFormatOf(speech.mimeType);
        const body = format === 'wav' ? pcmToWav(speech.pcm, pcm) : speech.pcm;
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
};
