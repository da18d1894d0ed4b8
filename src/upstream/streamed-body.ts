/** Bytes queued unread past which undici is asked to stop reading the socket until the reader catches up. */
const HIGH_WATER_BYTES = 64 * 1024;

interface Waiting {
  resolve: (result: IteratorResult<Buffer>) => void;
  reject: (error: Error) => void;
}

const DONE: IteratorResult<Buffer> = { done: true, value: undefined };

/**
 * A streamed answer's body as undici hands it over, read with `for await`: its chunks are queued until read and
 * given to a waiting reader at once. It stands where a Node `Readable` would and does the few things a provider's
 * reading needs, without a stream's buffering, events and per-read ticks, which cost more per streamed call than
 * parsing the stream itself.
 *
 * Reading stops undici only while more than HIGH_WATER_BYTES wait unread. Destroying the body before its end
 * aborts the upstream request; `resume` after the answer has been read lets the rest go unread, so the connection
 * returns to the pool.
 */
export class StreamedBody implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private waiting: Waiting | undefined;
  private failure: Error | undefined;
  private complete = false;
  private discarding = false;
  private paused = false;
  private closed = false;
  destroyed = false;

  /**
   * @param abort tears the upstream request down
   * @param resumeReading lets undici read the socket again after a chunk was refused
   * @param onClose runs once when the body is over: read to its end, failed or destroyed
   */
  constructor(
    private readonly abort: (reason: Error) => void,
    private readonly resumeReading: () => void,
    private readonly onClose: () => void,
  ) {}

  /** Whether the whole answer arrived and has been read. */
  get readableEnded(): boolean {
    return this.complete && this.queue.length === 0;
  }

  /** Why the answer stopped before its end, when it did. */
  get errored(): Error | undefined {
    return this.failure;
  }

  /** A chunk from undici; false asks it to pause until resumeReading. */
  push(chunk: Buffer): boolean {
    if (this.destroyed || this.discarding) return true;
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ done: false, value: chunk });
      return true;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes <= HIGH_WATER_BYTES) return true;
    this.paused = true;
    return false;
  }

  /** The answer is complete. */
  end(): void {
    this.complete = true;
    if (this.queue.length === 0 || this.discarding) this.close();
    const waiting = this.waiting;
    if (waiting && this.queue.length === 0) {
      this.waiting = undefined;
      waiting.resolve(DONE);
    }
  }

  /** The answer broke off, or the call was stopped; the reader sees `error` at its next read. */
  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // Whatever was still unread is lost: the reader learns why, even when the whole answer had arrived.
    if (!this.readableEnded) this.failure = error;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (!this.complete) this.abort(error ?? new Error('upstream body destroyed'));
    this.close();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      if (this.failure) waiting.reject(this.failure);
      else waiting.resolve(DONE);
    }
  }

  /** What undici reports when the answer broke off: the reader gets it after the chunks that came before. */
  fail(error: Error): void {
    if (this.destroyed || this.complete) return;
    this.failure = error;
    this.destroyed = true;
    this.close();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.reject(error);
    }
  }

  /** Lets whatever is left of the answer go unread: the connection returns to the pool once it is over. */
  resume(): void {
    this.discarding = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.complete) this.close();
    this.unpause();
  }

  /**
   * The reader is done with the body: after a complete answer the rest (normally nothing) goes unread, so the
   * connection returns to the pool; otherwise the upstream request is torn down.
   */
  release(answerComplete: boolean): void {
    if (answerComplete) this.resume();
    else this.destroy();
  }

  /** Everything that arrived since the last read, as one chunk (as a Node stream's `read()` gives it). */
  next(): Promise<IteratorResult<Buffer>> {
    const queued = this.queue.length;
    if (queued > 0) {
      const chunk = queued === 1 ? this.queue[0]! : Buffer.concat(this.queue, this.queuedBytes);
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.unpause();
      if (this.complete) this.close();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.complete || this.destroyed) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /**
   * An iterator over the chunks. Leaving the loop early destroys the body (the upstream request is torn down),
   * unless `destroyOnReturn` is false: then the caller says what happens to the rest (`resume` or `destroy`).
   */
  iterator(options: { destroyOnReturn?: boolean } = {}): AsyncIterableIterator<Buffer> {
    const destroyOnReturn = options.destroyOnReturn !== false;
    const iterator: AsyncIterableIterator<Buffer> = {
      next: () => this.next(),
      return: () => {
        if (destroyOnReturn) this.destroy();
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this.iterator();
  }

  private unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeReading();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }
}
