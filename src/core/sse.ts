import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** The `event:` field, when the server named the event (Anthropic does; OpenAI and Gemini do not). */
  event: string | undefined;
  data: string;
}

/**
 * Parses a Server-Sent Events byte stream (WHATWG rules) as its chunks are handed in: lines end in \n, \r\n or \r;
 * `data:` lines accumulate and a blank line dispatches; comments, `id:` and `retry:` are ignored. UTF-8 sequences
 * split across chunks are decoded correctly. A final event without its closing blank line is still delivered by
 * `end`. Synchronous, so that a reader already looping over the chunks pays no extra await per batch.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private data: string | undefined;
  private eventName: string | undefined;

  /** The events a chunk completed (often none, or several). */
  push(chunk: Buffer | string): SseEvent[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.takeLines(false);
  }

  /** The events left once the source has ended. */
  end(): SseEvent[] {
    this.pending += this.decoder.end();
    let last: SseEvent[] = [];
    if (this.pending !== '') {
      this.pending += '\n';
      last = this.takeLines(true);
    }
    if (this.data !== undefined) last.push({ event: this.eventName, data: this.data });
    this.data = undefined;
    return last;
  }

  private takeLines(final: boolean): SseEvent[] {
    const pending = this.pending;
    const events: SseEvent[] = [];
    let start = 0;
    // The next \r is looked for again only once the lines passed it: most streams have none, and looking for one
    // from every line to the end of the text would scan a batch of many events over and over.
    let cr = pending.indexOf('\r');
    for (;;) {
      const lf = pending.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = pending.indexOf('\r', start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
        if (cr === pending.length - 1 && !final) break;
        end = cr;
        next = pending[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        break;
      }
      const line = pending.slice(start, end);
      start = next;
      if (line === '') {
        if (this.data !== undefined) events.push({ event: this.eventName, data: this.data });
        this.data = undefined;
        this.eventName = undefined;
        continue;
      }
      if (line.charCodeAt(0) === 58 /* : */) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32 /* space */) value = value.slice(1);
      if (field === 'data') this.data = this.data === undefined ? value : `${this.data}\n${value}`;
      else if (field === 'event') this.eventName = value;
    }
    this.pending = pending.slice(start);
    return events;
  }
}

/**
 * The events of a Server-Sent Events byte stream (see SseParser), in batches, one per chunk read from the source
 * that completed any, so that a consumer handles (and writes) what arrived together in one go instead of paying
 * an await per event.
 */
export async function* parseSse(source: AsyncIterable<Buffer | string>): AsyncGenerator<SseEvent[]> {
  const parser = new SseParser();
  for await (const chunk of source) {
    const events = parser.push(chunk);
    if (events.length > 0) yield events;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}
