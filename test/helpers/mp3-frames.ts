// MPEG audio Layer III frame headers (ISO/IEC 11172-3, 13818-3): enough to walk a stream and tell its length.

const BITRATES_KBPS = {
  mpeg1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  mpeg2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES = { 3: [44_100, 48_000, 32_000], 2: [22_050, 24_000, 16_000], 0: [11_025, 12_000, 8_000] } as Record<number, number[]>;

/** Walks Layer III frames from the first byte (no ID3 tag expected); throws on a byte that is not a frame header. */
export function mp3Frames(bytes: Buffer): { frames: number; sampleRate: number; seconds: number } {
  let offset = 0;
  let frames = 0;
  let sampleRate = 0;
  let samples = 0;
  while (offset + 4 <= bytes.length) {
    const header = bytes.readUInt32BE(offset);
    if (header >>> 21 !== 0x7ff) throw new Error(`no frame sync at byte ${offset}`);
    const version = (header >>> 19) & 3;
    if (((header >>> 17) & 3) !== 1) throw new Error(`not Layer III at byte ${offset}`);
    const mpeg1 = version === 3;
    const bitrate = (mpeg1 ? BITRATES_KBPS.mpeg1 : BITRATES_KBPS.mpeg2)[(header >>> 12) & 15]! * 1000;
    sampleRate = SAMPLE_RATES[version]![(header >>> 10) & 3]!;
    const padding = (header >>> 9) & 1;
    const perFrame = mpeg1 ? 1152 : 576;
    offset += Math.floor(((perFrame / 8) * bitrate) / sampleRate) + padding;
    frames += 1;
    samples += perFrame;
  }
  return { frames, sampleRate, seconds: samples / sampleRate };
}
