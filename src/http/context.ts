import type { Middleware, ParameterizedContext } from 'koa';
import type { Caller } from '../access/identity/caller.js';
import type { CallLogFields } from '../calls/finish-call.js';
import type { CancellationSource } from '../core/cancellation.js';
import type { CallTrace } from '../core/trace.js';
import type { Logger } from '../logging/logger.js';

/**
 * What the middleware layers of one request hand each other. Outer layers set what inner ones need (the request
 * id, the caller); the access-log line, written by the outermost layer, is the one thing inner layers leave here:
 * the finished call's summary or the error the request failed with. Nothing outside http/ sees this.
 */
export interface GatewayState {
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
  /** The request's trace context (W3C `traceparent`), carried to the upstream and timed for `Server-Timing`. */
  trace: CallTrace;
  /** The gateway's logger with the request's `trace_id`: every line about this request goes through it. */
  readonly logger: Logger;
  /** Who is calling, once their token was checked. */
  caller?: Caller;
  /** A bearer token the gateway does not know, kept only until a BYOK provider takes it as its key. */
  unknownToken?: string;
  /** Fired when the client leaves before its response is complete (see client-abort.ts). */
  clientGone?: CancellationSource;
  /** The inference call's summary for the access log, once it has finished. */
  call?: CallLogFields;
  /** The error behind a failed response, for the access log. */
  error?: { status: number; message: string; code: string | null };
}

/**
 * The state of one request, made by the request frame. Its logger is made on first use: most calls log nothing
 * but their access line, which names the trace itself, and a pino child costs a microsecond or two per request.
 */
export class RequestState implements GatewayState {
  caller?: Caller;
  unknownToken?: string;
  clientGone?: CancellationSource;
  call?: CallLogFields;
  error?: { status: number; message: string; code: string | null };
  private childLogger: Logger | undefined;

  constructor(
    readonly requestId: string,
    readonly startedAt: number,
    readonly trace: CallTrace,
    private readonly baseLogger: Logger,
  ) {}

  get logger(): Logger {
    return (this.childLogger ??= this.baseLogger.child({ trace_id: this.trace.traceId }));
  }
}

export type GatewayContext = ParameterizedContext<GatewayState>;
export type GatewayMiddleware = Middleware<GatewayState>;
