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
  return async (ctx, next) => {
    const response = ctx.res;
    if (!limit.tryAcquire()) {
      if (response.closed) throw new RequestAbortedError('the client left before its call was admitted');
      const wait = limit.acquire();
      response.once('close', wait.abandon);
      const admitted = await wait.admitted;
      response.off('close', wait.abandon);
      if (!admitted) {
        if (response.closed) throw new RequestAbortedError('the client left while its call waited for a slot');
        throw overloaded(retryAfterSeconds);
      }
    }
    let holders = 2; // this middleware, and the response
    const release = () => {
      if (--holders === 0) limit.release();
    };
    if (response.closed) holders -= 1;
    else response.once('close', release);
    try {
      await next();
    } finally {
      release();
    }
  };
}
