import { setTimeout as sleep } from 'node:timers/promises';

/**
 * gemini-balance's stream optimizer (STREAM_OPTIMIZER_ENABLED): a large text delta arriving at once is sent as
 * several smaller ones with a short pause between, so the client's output looks steady. Text up to the short
 * threshold goes as it is; text beyond the long threshold in pieces of `chunkSize` characters `minDelayMs` apart;
 * text in between character by character, the pause shrinking from `maxDelayMs` to `minDelayMs` as it gets longer.
 */
export interface StreamOptimizerSettings {
  minDelayMs: number;
  maxDelayMs: number;
  shortTextThreshold: number;
  longTextThreshold: number;
  chunkSize: number;
}

/** How a text delta is split, and the pause after each piece. */
export function optimizedPieces(text: string, settings: StreamOptimizerSettings): { pieces: string[]; delayMs: number } {
  const characters = [...text];
  if (characters.length <= settings.shortTextThreshold) return { pieces: [text], delayMs: 0 };
  if (characters.length > settings.longTextThreshold) {
    const pieces: string[] = [];
    for (let start = 0; start < characters.length; start += settings.chunkSize) pieces.push(characters.slice(start, start + settings.chunkSize).join(''));
    return { pieces, delayMs: settings.minDelayMs };
  }
  const span = Math.max(1, settings.longTextThreshold - settings.shortTextThreshold);
  const ratio = (characters.length - settings.shortTextThreshold) / span;
  return { pieces: characters, delayMs: settings.maxDelayMs - ratio * (settings.maxDelayMs - settings.minDelayMs) };
}

interface ContentChunk {
  choices: [{ delta: { content: string } & Record<string, unknown> } & Record<string, unknown>];
}

/** A chat chunk whose one choice carries only text (a role may come with it), which is safe to split. */
function contentChunk(payload: string): ContentChunk | undefined {
  if (!payload.includes('"content"')) return undefined;
  let chunk: unknown;
  try {
    chunk = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const choices = (chunk as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice = choices[0] as { delta?: Record<string, unknown>; finish_reason?: unknown };
  const delta = choice.delta;
  if (!delta || typeof delta.content !== 'string' || choice.finish_reason) return undefined;
  if (Object.keys(delta).some((key) => key !== 'content' && key !== 'role')) return undefined;
  return chunk as ContentChunk;
}

/** Splits the text chunks of an OpenAI chat stream as the optimizer settings say; every other chunk passes as it came. */
export async function* optimizeChatStream(events: AsyncIterable<string[]>, settings: StreamOptimizerSettings): AsyncGenerator<string[]> {
  for await (const batch of events) {
    let pending: string[] = [];
    for (const payload of batch) {
      const chunk = contentChunk(payload);
      const split = chunk ? optimizedPieces(chunk.choices[0].delta.content, settings) : undefined;
      if (!chunk || !split || split.pieces.length === 1) {
        pending.push(payload);
        continue;
      }
      if (pending.length > 0) yield pending;
      pending = [];
      for (const [index, piece] of split.pieces.entries()) {
        chunk.choices[0].delta.content = piece;
        if (index > 0) delete chunk.choices[0].delta.role;
        yield [JSON.stringify(chunk)];
        if (split.delayMs > 0 && index < split.pieces.length - 1) await sleep(split.delayMs);
      }
    }
    if (pending.length > 0) yield pending;
  }
}

/**
 * gemini-balance's fake stream (FAKE_STREAM_ENABLED): the answer is asked for without streaming, and while it is
 * awaited an empty batch goes out every `intervalMs` (the protocol writes it as a keep-alive: an SSE comment for
 * OpenAI clients, which they skip); then the answer's chunks.
 */
export async function* keepAliveUntil(answer: Promise<string[]>, intervalMs: number): AsyncGenerator<string[]> {
  let settled = false;
  const done = answer.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<void>((resolve) => (timer = setTimeout(resolve, intervalMs)));
    await Promise.race([done, tick]);
    clearTimeout(timer);
    if (!settled) yield [];
  }
  yield await answer;
}
