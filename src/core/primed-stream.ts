/**
 * A stream whose first item has already been read. Reading it before anything is sent to the client means an
 * upstream that fails before its first event fails the call as a whole (so it can be retried, or answered with a
 * proper HTTP error) instead of breaking a response that has already started.
 */
export interface PrimedStream<T> {
  first: IteratorResult<T, unknown>;
  rest: AsyncIterator<T>;
  /** Settles once the stream is over: read to its end, failed, or given up by its reader. */
  finished: Promise<void>;
}

export async function primeStream<T>(items: AsyncIterable<T>): Promise<PrimedStream<T>> {
  const source = items[Symbol.asyncIterator]();
  let settle!: () => void;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const settleAtEnd = (result: IteratorResult<T>) => {
    if (result.done) settle();
    return result;
  };
  const settleAndThrow = (error: unknown): never => {
    settle();
    throw error;
  };
  const rest: AsyncIterator<T> = {
    next: () => source.next().then(settleAtEnd, settleAndThrow),
    return: async (value?: unknown) => {
      settle();
      return (await source.return?.(value)) ?? { done: true, value: undefined };
    },
  };
  let first: IteratorResult<T, unknown>;
  try {
    first = await source.next();
  } catch (error) {
    settle();
    throw error;
  }
  if (first.done) settle();
  return { first, rest, finished };
}
