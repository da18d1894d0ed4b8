import { clientClosedRequest, GatewayError, payloadTooLarge, invalidRequest, RequestAbortedError } from '../../core/errors.js';
import type { Logger } from '../../logging/logger.js';
import { isStoreUnavailable, storeUnavailable } from '../../storage/store-unavailable.js';
import type { ErrorReply } from '../../protocols/protocol.js';
import { openAIErrorReply } from '../../protocols/openai/wire.js';
import type { GatewayContext, GatewayMiddleware } from '../context.js';

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/**
 * Maps whatever a handler threw to an error in the client protocol's shape (OpenAI's unless the routes speak
 * another). Body-parser failures become 400/413; a Redis that is down, slow or full becomes a 503 saying so;
 * anything unexpected becomes a 500 whose details go to the log, never to the client.
 */
export function errorHandler(
  logger: Logger,
  maxBodyBytes: number,
  reply: (thrown: unknown, error: GatewayError) => ErrorReply = (_thrown, error) => openAIErrorReply(error),
): GatewayMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      answerError(ctx, thrown, logger, maxBodyBytes, reply);
    }
  };
}

/** Answers what a handler threw (see errorHandler), unless the answer has begun; notes it for the access log. */
export function answerError(
  ctx: GatewayContext,
  thrown: unknown,
  logger: Logger,
  maxBodyBytes: number,
  reply: (thrown: unknown, error: GatewayError) => ErrorReply = (_thrown, error) => openAIErrorReply(error),
): void {
  const error = toGatewayError(thrown, maxBodyBytes);
  if (error.code === 'store_unavailable') {
    (ctx.state.logger ?? logger).warn({ reqId: ctx.state.requestId, cause: thrown instanceof Error ? thrown.message : String(thrown) }, 'state store unavailable');
  } else if (error.status >= 500 && !(thrown instanceof GatewayError)) {
    const cause = thrown instanceof Error ? { name: thrown.name, message: thrown.message, stack: thrown.stack } : { value: String(thrown) };
    (ctx.state.logger ?? logger).error({ reqId: ctx.state.requestId, cause }, 'unexpected error');
  }
  ctx.state.error = { status: error.status, message: error.message, code: error.code };
  if (ctx.headerSent || !ctx.writable) return;
  const answer = reply(thrown, error);
  ctx.status = answer.status;
  ctx.set(answer.headers);
  if (answer.contentType !== undefined) ctx.type = answer.contentType;
  ctx.body = answer.body;
}

/** Whatever was thrown, as the gateway error the client should get. */
export function toGatewayError(thrown: unknown, maxBodyBytes: number): GatewayError {
  if (thrown instanceof GatewayError) return thrown;
  if (thrown instanceof RequestAbortedError) return clientClosedRequest();
  if (isStoreUnavailable(thrown)) return storeUnavailable();
  const error = (thrown ?? {}) as HttpLikeError;
  switch (error.type) {
    case 'entity.too.large':
      return payloadTooLarge(maxBodyBytes);
    case 'entity.parse.failed':
      return invalidRequest(
        'We could not parse the JSON body of your request. The API expects a JSON payload, but what was sent was not valid JSON.',
        null,
        'invalid_json',
      );
    case 'encoding.unsupported':
      return new GatewayError(415, 'Unsupported Content-Encoding of the request body.', { code: 'unsupported_encoding' });
    case 'request.aborted':
      return new GatewayError(400, 'The request body was not received completely.', { code: 'request_aborted' });
    default:
      break;
  }
  // co-body throws a plain SyntaxError (status 400) for bodies that are not a JSON object or array.
  const status = error.status ?? error.statusCode;
  if (thrown instanceof SyntaxError && status === 400) {
    return invalidRequest('We could not parse the JSON body of your request. The API expects a JSON object.', null, 'invalid_json');
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && error.expose) {
    return new GatewayError(status, error.message ?? 'Bad request.');
  }
  return new GatewayError(500, 'The gateway hit an internal error while processing your request.', { type: 'server_error' });
}
