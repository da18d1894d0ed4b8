import type { Middleware, ParameterizedContext } from 'koa';
import type { Caller } from '../access/identity/caller.js';
import type { CallLogFields } from '../calls/finish-call.js';
import type { CancellationSource } from '../core/cancellation.js';

/**
 * What the middleware layers of one request hand each other. Outer layers set what inner ones need (the request
 * id, the caller); the access-log line, written by the outermost layer, is the one thing inner layers leave here:
 * the finished call's summary or the error the request failed with. Nothing outside http/ sees this.
 */
export interface GatewayState {
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
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

export type GatewayContext = ParameterizedContext<GatewayState>;
export type GatewayMiddleware = Middleware<GatewayState>;
