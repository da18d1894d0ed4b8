/** The shape of raw PCM audio: how many samples a second, how many channels, how many bits a sample. */
export interface PcmFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

/** Gemini's speech: 16-bit little-endian mono at 24 kHz unless its MIME type says otherwise. */
export const GEMINI_PCM: PcmFormat = Object.freeze({ sampleRate: 24_000, channels: 1, bitsPerSample: 16 });

/** The PCM format a MIME type like `audio/L16;codec=pcm;rate=24000` names; `fallback` for what it leaves out. */
export function pcmFormatOf(mimeType: string, fallback: PcmFormat = GEMINI_PCM): PcmFormat {
  const rate = /;\s*rate=(\d+)/i.exec(mimeType)?.[1];
  const channels = /;\s*channels=(\d+)/i.exec(mimeType)?.[1];
  const bits = /audio\/L(8|16|24|32)\b/i.exec(mimeType)?.[1];
  return {
    sampleRate: rate ? Number(rate) : fallback.sampleRate,
    channels: channels ? Number(channels) : fallback.channels,
    bitsPerSample: bits ? Number(bits) : fallback.bitsPerSample,
  };
}

/** Seconds of audio `bytes` of PCM hold. */
export const pcmSeconds = (bytes: number, format: PcmFormat): number => bytes / (format.sampleRate * format.channels * (format.bitsPerSample / 8));

const WAV_HEADER_BYTES = 44;

/** PCM wrapped in a canonical 44-byte RIFF/WAVE header (format 1, PCM) that states its rate, channels, bits and length. */
export function pcmToWav(pcm: Buffer, format: PcmFormat): Buffer {
  const blockAlign = format.channels * (format.bitsPerSample / 8);
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

/** Seconds of audio a WAV file holds, read from its `fmt ` and `data` chunks; undefined for anything else. */
export function wavSeconds(file: Buffer): number | undefined {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= file.length; ) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= file.length) byteRate = file.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate ? Math.min(size, file.length - offset - 8) / byteRate : undefined;
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
