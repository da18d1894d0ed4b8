import { z } from 'zod';
import { invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import { estimateTokens } from '../../core/token-estimate.js';
import { type FormFile, parseMultipart } from '../../media/multipart.js';
import { type TranscriptSegment, toSrt, toVtt } from '../../media/subtitles.js';
import { wavSeconds } from '../../media/wav.js';
import type { TranscriptionResult } from '../../providers/types.js';
import { openAIErrorReply } from '../openai/wire.js';
import type { ClientProtocol } from '../protocol.js';
import { forwardedForm, forwardToOwnApi, type MediaOutcome, type ReceivedForm, mediaPlanHooks, mediaReply, notSupported, servesOwnApi } from './media-call.js';

const transcriptionFieldsSchema = z.looseObject({
  model: z.string().min(1).optional(),
  language: z.string().optional(),
  prompt: z.string().optional(),
  response_format: z.enum(['json', 'text', 'srt', 'verbose_json', 'vtt']).optional(),
});
type TranscriptionFields = z.infer<typeof transcriptionFieldsSchema>;
type TranscriptFormat = NonNullable<TranscriptionFields['response_format']>;

interface ReceivedTranscription extends ReceivedForm {
  fields: TranscriptionFields;
  file: FormFile;
}

/** Audio types by file extension, for a file the client sent without one (`application/octet-stream`). */
const AUDIO_TYPES: Readonly<Record<string, string>> = {
  mp3: 'audio/mp3',
  mpga: 'audio/mpeg',
  mpeg: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  mp4: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  webm: 'audio/webm',
  flac: 'audio/flac',
  aiff: 'audio/aiff',
};

export function audioMimeType(file: FormFile): string {
  const declared = file.contentType.split(';')[0]!.trim().toLowerCase();
  if (declared.startsWith('audio/') || declared === 'video/mp4' || declared === 'video/webm') return declared;
  const extension = /\.([a-z0-9]+)$/i.exec(file.filename)?.[1]?.toLowerCase() ?? '';
  const type = AUDIO_TYPES[extension];
  if (type) return type;
  throw invalidRequest(`Could not tell the audio format of '${file.filename}'; send one of ${Object.keys(AUDIO_TYPES).join(', ')}.`, 'file', 'invalid_value');
}

/** Speaking pace used to time a transcript's single cue when neither the upstream nor the file says how long it is. */
const WORDS_PER_SECOND = 2.5;

/** The transcript's cues: the upstream's segments, or one cue over the whole audio (its length from a WAV header, else estimated). */
export function transcriptCues(result: Pick<TranscriptionResult, 'text' | 'segments'>, seconds: number | undefined): TranscriptSegment[] {
  if (result.segments && result.segments.length > 0) return result.segments;
  const words = result.text.split(/\s+/).filter((word) => word !== '').length;
  return [{ start: 0, end: seconds ?? Math.max(1, words / WORDS_PER_SECOND), text: result.text }];
}

/** A converted transcript in the format the client asked for, with its content type. */
export function transcriptAnswer(result: Pick<TranscriptionResult, 'text' | 'segments'>, format: TranscriptFormat, language: string | undefined, seconds: number | undefined): { contentType: string; body: string } {
  switch (format) {
    case 'json':
      return { contentType: 'application/json', body: JSON.stringify({ text: result.text }) };
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: `${result.text}\n` };
    case 'srt':
      return { contentType: 'text/plain; charset=utf-8', body: toSrt(transcriptCues(result, seconds)) };
    case 'vtt':
      return { contentType: 'text/vtt; charset=utf-8', body: toVtt(transcriptCues(result, seconds)) };
    case 'verbose_json': {
      const cues = transcriptCues(result, seconds);
      return {
        contentType: 'application/json',
        body: JSON.stringify({
          task: 'transcribe',
          language: language ?? 'unknown',
          duration: seconds ?? cues.at(-1)!.end,
          text: result.text,
          segments: cues.map((cue, id) => ({ id, seek: 0, start: cue.start, end: cue.end, text: cue.text, tokens: [], temperature: 0, avg_logprob: 0, compression_ratio: 0, no_speech_prob: 0 })),
        }),
      };
    }
  }
}

/**
 * OpenAI's transcription (`POST /v1/audio/transcriptions`, multipart/form-data). An upstream that serves OpenAI's
 * Audio API gets the client's multipart bytes (re-encoded only when the model is renamed); one that understands audio
 * (Gemini) gets the file as inline data after an instruction to transcribe it verbatim, with `language` and
 * `prompt` in it. srt, vtt and verbose_json ask it for timed segments; when it gives none, one cue spans the audio.
 */
export const openAITranscriptionsProtocol: ClientProtocol<ReceivedTranscription, MediaOutcome> = {
  endpoint: 'transcriptions',

  parse(wire) {
    const contentType = wire.header('content-type') ?? '';
    if (!Buffer.isBuffer(wire.body)) throw invalidRequest('Expected a multipart/form-data body with the audio in `file`.', 'file');
    const form = parseMultipart(wire.body, contentType);
    const fields = validateRequest(transcriptionFieldsSchema, form.fields);
    const file = form.files.file;
    if (!file) throw invalidRequest("Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
    return {
      model: fields.model,
      stream: false,
      request: { fields, form, file, raw: { body: wire.body, contentType } },
      excerpt: () => `[${file.filename}, ${file.data.length} bytes]${fields.prompt ? ` ${fields.prompt}` : ''}`,
      size: () => ({ prompt: Math.ceil(file.data.length / 1000), maxOutput: undefined }),
    };
  },

  plan(received, call) {
    const { fields, file } = received;
    return {
      operation: async (route, apiKey, cancellation = call.cancellation) => {
        const provider = route.target.provider;
        if (servesOwnApi(provider, 'audio')) {
          const sent = forwardedForm(received, route.upstreamModel);
          const accept = (fields.response_format ?? 'json').endsWith('json') ? 'application/json' : 'text/plain';
          return { kind: 'passthrough', result: await forwardToOwnApi(route, apiKey, cancellation, { path: '/audio/transcriptions', body: sent.body, contentType: sent.contentType, accept }) };
        }
        if (!provider.transcribe) throw notSupported(call.model, 'audio transcription');
        const format = fields.response_format ?? 'json';
        const result = await provider.transcribe({
          audio: file.data,
          mimeType: audioMimeType(file),
          language: fields.language,
          prompt: fields.prompt,
          timestamps: format === 'srt' || format === 'vtt' || format === 'verbose_json',
          upstreamModel: route.upstreamModel,
          apiKey,
          cancellation,
        });
        const answer = transcriptAnswer(result, format, fields.language, wavSeconds(file.data));
        return { kind: 'made', contentType: answer.contentType, body: Buffer.from(answer.body, 'utf8'), usage: result.usage };
      },
      ...mediaPlanHooks,
    };
  },

  reply(outcome, received) {
    const seconds = wavSeconds(received.file.data);
    return mediaReply(outcome, estimateTokens(received.fields.prompt ?? ''), seconds === undefined ? {} : { audioSeconds: Math.round(seconds * 1000) / 1000 });
  },

  errorReply: (_error, gatewayError) => openAIErrorReply(gatewayError),
};
