import test from 'ava';
import fc from 'fast-check';
import { parseSse, type SseEvent } from '../../src/core/sse.js';
import { tokenUsage } from '../../src/core/usage.js';
import { AnthropicStreamConverter, toOpenAIChunkBatches } from '../../src/providers/anthropic/stream.js';
import { MessageEventWriter } from '../../src/protocols/anthropic-messages/message-events.js';
import { readChunkLines } from '../helpers/fixtures.js';

// Stream readers must give the same result whatever the boundaries of what they read: a byte stream split anywhere
// (inside a line, inside a UTF-8 character, one byte at a time), or chunks batched in any grouping. Fixed seeds and
// bounded runs keep `npm test` repeatable; `npm run fuzz` runs the same properties longer with fresh seeds.

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
// FUZZ_SEED=random lets fast-check draw a seed (it prints the one that failed, to replay with FUZZ_SEED=<seed>).
const SEED = process.env.FUZZ_SEED === undefined ? 20261205 : process.env.FUZZ_SEED === 'random' ? undefined : Number(process.env.FUZZ_SEED);
const settings = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

/** `bytes` cut at `cuts` (positions, in any order, repeats allowed). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) pieces.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return pieces;
}

async function* fromPieces<T>(pieces: readonly T[]): AsyncGenerator<T> {
  for (const piece of pieces) yield piece;
}

async function events(pieces: readonly Buffer[]): Promise<SseEvent[]> {
  const all: SseEvent[] = [];
  for await (const batch of parseSse(fromPieces(pieces))) all.push(...batch);
  return all;
}

const cuts = fc.array(fc.nat(), { maxLength: 40 });

test('SSE: any event stream, with any line endings, parses to the same events however its bytes are split', async (t) => {
  const event = fc.record({
    event: fc.option(fc.stringMatching(/^[a-z_]{1,12}$/), { nil: undefined }),
    data: fc.array(fc.string({ unit: 'grapheme' }).map((line) => line.replace(/[\r\n]/g, '')), { minLength: 1, maxLength: 3 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), cuts, async (sent, newline, at) => {
      const text = sent.map((item) => `${item.event === undefined ? '' : `event: ${item.event}${newline}`}${item.data.map((line) => `data: ${line}`).join(newline)}${newline}${newline}`).join('');
      const bytes = Buffer.from(text, 'utf8');
      const expected = sent.map((item) => ({ event: item.event, data: item.data.join('\n') }));
      t.deepEqual(await events(split(bytes, at)), expected);
      t.deepEqual(await events([...bytes].map((byte) => Buffer.from([byte]))), expected);
    }),
    settings,
  );
});

const ANTHROPIC_FIXTURES = ['anthropic-text', 'anthropic-tool-no-args', 'anthropic-clear-thinking.1', 'anthropic-web-search-tool.1', 'anthropic-json-tool.1'];

/** An Anthropic fixture as the bytes Anthropic sends: named events. */
const anthropicBytes = (name: string) =>
  Buffer.from(
    readChunkLines(`anthropic/${name}.chunks.txt`)
      .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
      .join(''),
  );

async function openAIChunks(pieces: readonly Buffer[]): Promise<unknown[]> {
  const converter = new AnthropicStreamConverter({ provider: 'anthropic', apiKey: undefined, includeUsage: true, created: 1_700_000_000 });
  const payloads: unknown[] = [];
  for await (const batch of toOpenAIChunkBatches(parseSse(fromPieces(pieces)), converter)) payloads.push(...batch.map((payload) => JSON.parse(payload) as unknown));
  return payloads;
}

test('Anthropic → OpenAI chunks: each recorded stream converts to the same chunks however its bytes arrive', async (t) => {
  for (const name of ANTHROPIC_FIXTURES) {
    const bytes = anthropicBytes(name);
    const whole = await openAIChunks([bytes]);
    t.true(whole.length > 1, name);
    // Chunk ids are drawn once per stream; everything else must match.
    const comparable = (chunks: unknown[]) => chunks.map((chunk) => ({ ...(chunk as object), id: undefined }));
    await fc.assert(
      fc.asyncProperty(cuts, async (at) => {
        t.deepEqual(comparable(await openAIChunks(split(bytes, at))), comparable(whole), name);
      }),
      { ...settings, numRuns: Math.ceil(RUNS / 3) },
    );
  }
});

const chatChunk = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }).map((content) => ({ content })),
  fc.string({ minLength: 1, maxLength: 8 }).map((reasoning_content) => ({ reasoning_content })),
);

test('Messages events from chat chunks: the same events whatever the batching, block indexes in order, every block closed', (t) => {
  fc.assert(
    fc.property(fc.array(chatChunk, { maxLength: 30 }), fc.array(fc.nat({ max: 5 }), { maxLength: 30 }), (deltas, sizes) => {
      const payloads = deltas.map((delta) => JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }] }));
      const usage = tokenUsage({ prompt: 10, completion: deltas.length });
      const whole = new MessageEventWriter('msg_1', 'm');
      const expected = [...whole.write(payloads), ...whole.end(usage)];
      const batched = new MessageEventWriter('msg_1', 'm');
      const out: string[] = [];
      let at = 0;
      for (const size of sizes) {
        out.push(...batched.write(payloads.slice(at, at + size)));
        at += size;
      }
      out.push(...batched.write(payloads.slice(at)), ...batched.end(usage));
      t.deepEqual(out, expected);
      let open: number | undefined;
      let next = 0;
      for (const event of expected) {
        const data = JSON.parse(event.split('\n')[1]!.slice(6)) as { type: string; index?: number };
        if (data.type === 'content_block_start') {
          t.is(open, undefined);
          t.is(data.index, next);
          open = data.index;
        } else if (data.type === 'content_block_delta') t.is(data.index, open);
        else if (data.type === 'content_block_stop') {
          t.is(data.index, open);
          open = undefined;
          next += 1;
        }
      }
      t.is(open, undefined);
    }),
    settings,
  );
});
