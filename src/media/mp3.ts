import { Mp3Encoder } from '@breezystack/lamejs';
import type { PcmFormat } from './wav.js';

/** 1152 samples a frame (MPEG-1 Layer III); encoding a frame's multiple at a time keeps the encoder's buffers small. */
const SAMPLES_PER_CHUNK = 1152 * 16;
/** Speech at 64 kbit/s a channel: clear voice at a tenth of the PCM's size. */
const KBPS_PER_CHANNEL = 64;

/**
 * 16-bit little-endian PCM (mono or stereo, interleaved) encoded as MP3 by LAME's pure JavaScript port: no native
 * code, so it runs wherever Node does. Other sample widths are refused by the caller (Gemini sends 16-bit).
 */
export function pcmToMp3(pcm: Buffer, format: PcmFormat): Buffer {
  if (format.bitsPerSample !== 16 || format.channels < 1 || format.channels > 2) {
    throw new RangeError(`MP3 needs 16-bit mono or stereo PCM, not ${format.bitsPerSample}-bit with ${format.channels} channels`);
  }
  const channels = format.channels;
  const samples = new Int16Array(Math.floor(pcm.length / 2));
  for (let index = 0; index < samples.length; index += 1) samples[index] = pcm.readInt16LE(index * 2);
  const encoder = new Mp3Encoder(channels, format.sampleRate, KBPS_PER_CHANNEL * channels);
  const frames: Buffer[] = [];
  const perChannel = Math.floor(samples.length / channels);
  const left = new Int16Array(perChannel);
  const right = channels === 2 ? new Int16Array(perChannel) : undefined;
  for (let index = 0; index < perChannel; index += 1) {
    left[index] = samples[index * channels]!;
    if (right) right[index] = samples[index * channels + 1]!;
  }
  for (let start = 0; start < perChannel; start += SAMPLES_PER_CHUNK) {
    const end = Math.min(start + SAMPLES_PER_CHUNK, perChannel);
    frames.push(Buffer.from(encoder.encodeBuffer(left.subarray(start, end), right?.subarray(start, end))));
  }
  frames.push(Buffer.from(encoder.flush()));
  return Buffer.concat(frames);
}
