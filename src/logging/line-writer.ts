import { write, writeSync } from 'node:fs';

/**
 * Pending output beyond this (the reader stalled) is dropped, line by line, and the loss reported. Counted in
 * UTF-16 units, which is bytes for the ASCII lines pino writes and close enough otherwise.
 */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;
/**
 * How long a line may wait for others to share its write. Each write is a trip through libuv's thread pool; under
 * load a write per event-loop turn costs several microseconds per request, one per 10 ms next to nothing.
 */
const BATCH_DELAY_MS = 10;

/** `fs.write` of a string or a buffer; it may write less than it was given. */
type WriteFn = (fd: number, data: string | Buffer, callback: (error: NodeJS.ErrnoException | null, written: number) => void) => void;

/**
 * pino's destination: log lines are queued and written to a file descriptor in batches, off the event loop, one
 * `write` per batch. It replaces pino's default (sonic-boom), whose string buffering re-measures its growing
 * buffer on every line while a write is in flight and so allocates kilobytes per line under load. Lines reach
 * the descriptor within BATCH_DELAY_MS when it keeps up; `flushSync` (run on exit) writes what is left.
 */
export class LineWriter {
  private queued: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  private scheduled = false;
  private dropped = 0;

  constructor(
    private readonly fd: number,
    private readonly writeAsync: WriteFn = write,
    private readonly maxPendingBytes = MAX_PENDING_BYTES,
  ) {}

  write(line: string): void {
    if (this.queuedBytes + line.length > this.maxPendingBytes) {
      this.dropped += 1;
      return;
    }
    this.queued.push(line);
    this.queuedBytes += line.length;
    if (!this.writing && !this.scheduled) this.schedule();
  }

  private schedule(): void {
    this.scheduled = true;
    // Unreferenced: pending lines never keep the process alive, and the exit handler writes them.
    setTimeout(this.writeQueued, BATCH_DELAY_MS).unref();
  }

  /** pino's `logger.flush(callback)`: calls back once everything queued so far is written. */
  flush(callback?: (error?: Error) => void): void {
    if (!this.writing && !this.scheduled && this.queued.length === 0) {
      if (callback) process.nextTick(callback);
      return;
    }
    const poll = () => (this.writing || this.scheduled || this.queued.length > 0 ? setImmediate(poll) : callback?.());
    setImmediate(poll);
  }

  /** Writes everything still queued before returning (for process exit, where no callback runs). */
  flushSync(): void {
    const text = this.takeBatch();
    if (text === '') return;
    const buffer = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < buffer.length) {
      try {
        offset += writeSync(this.fd, buffer, offset);
      } catch (error) {
        // A non-blocking descriptor may be full for a moment; anything else (a closed pipe) ends the attempt.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  }

  private readonly writeQueued = (): void => {
    this.scheduled = false;
    if (this.writing) return;
    const text = this.takeBatch();
    if (text === '') return;
    this.writing = true;
    this.writeOut(text);
  };

  /**
   * Writes a batch: as a string, which Node encodes on its side without a JavaScript buffer; what a partial write
   * leaves over goes as a buffer.
   */
  private writeOut(data: string | Buffer): void {
    this.writeAsync(this.fd, data, (error, written) => {
      if (error) {
        if (error.code === 'EAGAIN') {
          setTimeout(() => this.writeOut(data), 10).unref();
          return;
        }
        // The descriptor is gone (a closed pipe): there is nowhere to report it; keep the process running.
        this.writing = false;
        this.queued = [];
        this.queuedBytes = 0;
        return;
      }
      const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      if (written < length) {
        this.writeOut((typeof data === 'string' ? Buffer.from(data, 'utf8') : data).subarray(written));
        return;
      }
      this.writing = false;
      if (this.queued.length > 0 || this.dropped > 0) this.schedule();
    });
  }

  private takeBatch(): string {
    if (this.dropped > 0) {
      this.queued.push(`${JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: `${this.dropped} log lines dropped: the log output did not keep up` })}\n`);
      this.dropped = 0;
    }
    const text = this.queued.length === 1 ? this.queued[0]! : this.queued.join('');
    this.queued = [];
    this.queuedBytes = 0;
    return text;
  }
}
