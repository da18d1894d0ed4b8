import { Transform, type TransformCallback } from 'node:stream';

/** Enough of an answer's end to hold its last usage report. */
const TAIL_BYTES = 16_384;

/**
 * Passes a streamed answer through unchanged and keeps its last bytes, where passthrough APIs put their usage
 * (Gemini's `usageMetadata` in the final JSON or the last SSE event), to be read once the answer is over.
 */
export class AnswerTail extends Transform {
  private chunks: Buffer[] = [];
  private length = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.keep(chunk);
    callback(null, chunk);
  }

  keep(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.length - this.chunks[0]!.length >= TAIL_BYTES) this.length -= this.chunks.shift()!.length;
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
