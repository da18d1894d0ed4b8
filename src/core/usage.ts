/**
 * Token counts of one call, normalised from whatever the upstream reported, with apart every part that is priced
 * differently. `prompt` and `completion` are totals as OpenAI counts them; the parts below each are subsets of
 * one of them, never overlapping, never negative, so that what is left (`prompt` minus its parts) is plain input
 * and nothing is counted twice.
 */
export interface TokenUsage {
  /** All input tokens: plain, cached reads, cache writes, audio and image input (OpenAI's `prompt_tokens`). */
  prompt: number;
  /** All output tokens, reasoning included (OpenAI's `completion_tokens`). */
  completion: number;
  total: number;
  /** Part of `prompt`: input read from the provider's prompt cache. */
  cached: number;
  /** Part of `prompt`: input written to the prompt cache at the short (Anthropic: 5-minute) rate. */
  cacheWrite: number;
  /** Part of `prompt`: input written to the prompt cache at the long (Anthropic: 1-hour) rate. */
  cacheWriteLong: number;
  /** Part of `prompt` (not cached): audio input tokens. */
  audioInput: number;
  /** Part of `prompt` (not cached): image input tokens, where the provider prices them apart. */
  imageInput: number;
  /** Part of `completion`: reasoning (thinking) tokens. */
  reasoning: number;
  /** Part of `completion`: audio output tokens. */
  audioOutput: number;
  /** Part of `completion`: image output tokens. */
  imageOutput: number;
  /** Calls billed per request beside the tokens: web searches, grounded (search) requests. */
  searches: number;
  /** The upstream reported nothing; the counts are the gateway's estimate. */
  estimated: boolean;
  /** What a media call (images, speech, transcription) is billed by beside its tokens; absent for other calls. */
  media?: MediaUsage;
}

/** The units media endpoints are billed in, where the provider bills them per unit rather than per token. */
export interface MediaUsage {
  /** Images generated. */
  images: number;
  /** Their size as asked (`1024x1024`), for prices that depend on it; '' when none was asked. */
  imageSize: string;
  /** Seconds of audio heard (transcription) or spoken (speech), to the millisecond. */
  audioSeconds: number;
  /** Characters of text spoken (speech). */
  characters: number;
}

export const NO_MEDIA: MediaUsage = Object.freeze({ images: 0, imageSize: '', audioSeconds: 0, characters: 0 });

/** Whether a usage bills nothing at all: no tokens, searches or media units. */
export const isEmptyUsage = (usage: TokenUsage): boolean =>
  usage.total === 0 && usage.searches === 0 && (usage.media === undefined || (usage.media.images === 0 && usage.media.audioSeconds === 0 && usage.media.characters === 0));

/** A usage with media units added (replacing any it had). */
export const withMedia = (usage: TokenUsage, media: Partial<MediaUsage>): TokenUsage => ({ ...usage, media: { ...NO_MEDIA, ...usage.media, ...media } });

export const NO_USAGE: TokenUsage = Object.freeze({
  prompt: 0,
  completion: 0,
  total: 0,
  cached: 0,
  cacheWrite: 0,
  cacheWriteLong: 0,
  audioInput: 0,
  imageInput: 0,
  reasoning: 0,
  audioOutput: 0,
  imageOutput: 0,
  searches: 0,
  estimated: false,
});

/** A whole, non-negative count from anything an upstream sent (absent, null, negative, fractional, text). */
export const tokenCount = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0);

/**
 * A usage from its totals and parts: counts are made whole and non-negative, and parts are capped so that they
 * never add up to more than the total they belong to (an upstream that reports more cached tokens than prompt
 * tokens must not make plain input negative).
 */
export function tokenUsage(parts: Partial<Omit<TokenUsage, 'total'>> & { total?: number }): TokenUsage {
  const prompt = tokenCount(parts.prompt);
  const completion = tokenCount(parts.completion);
  let inputLeft = prompt;
  const fromInput = (value: unknown) => {
    const count = Math.min(tokenCount(value), inputLeft);
    inputLeft -= count;
    return count;
  };
  let outputLeft = completion;
  const fromOutput = (value: unknown) => {
    const count = Math.min(tokenCount(value), outputLeft);
    outputLeft -= count;
    return count;
  };
  return {
    prompt,
    completion,
    total: Math.max(tokenCount(parts.total), prompt + completion),
    cached: fromInput(parts.cached),
    cacheWrite: fromInput(parts.cacheWrite),
    cacheWriteLong: fromInput(parts.cacheWriteLong),
    audioInput: fromInput(parts.audioInput),
    imageInput: fromInput(parts.imageInput),
    reasoning: fromOutput(parts.reasoning),
    audioOutput: fromOutput(parts.audioOutput),
    imageOutput: fromOutput(parts.imageOutput),
    searches: tokenCount(parts.searches),
    estimated: parts.estimated === true,
    ...(parts.media ? { media: parts.media } : {}),
  };
}

export function estimatedUsage(prompt: number, completion: number): TokenUsage {
  return tokenUsage({ prompt, completion, estimated: true });
}
