import type { ServerResponse } from 'node:http';
import { GatewayError, RequestAbortedError } from '../../core/errors.js';
import type { GatewayMiddleware } from '../context.js';
import type { InFlightLimit } from '../in-flight-limit.js';

/** 503 with Retry-After, in the route protocol's error shape (Anthropic's routes say 529 `overloaded_error`). */
export const overloaded = (retryAfterSeconds: number) =>
  new GatewayError(503, 'The gateway is handling as many calls as it is allowed to; retry shortly.', {
    type: 'server_error',
    code: 'overloaded',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });

/**
 * Admits an inference call within the process's in-flight limit, before its body is read (a call waiting for a
 * slot holds no body in memory), or sheds it with 503 once it waited MAX_QUEUE_WAIT_MS. The slot is held until
 * the answer is out (a stream to its end) and the handler has returned.
 */
export function shedLoad(limit: InFlightLimit): GatewayMiddleware {
  const retryAfterSeconds = Math.max(1, Math.ceil(limit.maxWaitMs / 1000));
  /** Runs the rest of the call holding a slot; not async, so that a call admitted at once adds no promise of its own. */
  const holdingSlot = (response: ServerResponse, next: () => Promise<unknown>): Promise<unknown> => {
    let holders = 2; // the rest of the call, and the response
    const release = () => {
      if (--holders === 0) limit.release();
    };
    if (response.closed) holders -= 1;
    else response.once('close', release);
    let rest: Promise<unknown>;
    try {
      rest = next();
    } catch (error) {
      release();
      throw error;
    }
    return rest.then(release, (error: unknown) => {
      release();
      throw error;
    });
  };
  const afterWaiting = async (response: ServerResponse, next: () => Promise<unknown>): Promise<unknown> => {
    if (response.closed) throw new RequestAbortedError('the client left before its call was admitted');
    const wait = limit.acquire();
    response.once('close', wait.abandon);
    const admitted = await wait.admitted;
    response.off('close', wait.abandon);
    if (!admitted) {
      if (response.closed) throw new RequestAbortedError('the client left while its call waited for a slot');
      throw overloaded(retryAfterSeconds);
    }
    return holdingSlot(response, next);
  };
  return (ctx, next) => (limit.tryAcquire() ? holdingSlot(ctx.res, next) : afterWaiting(ctx.res, next));
}
