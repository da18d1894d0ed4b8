import type { Middleware, ParameterizedContext } from 'koa';
import type { Caller } from '../access/identity/caller.js';
import type { MeteredCall } from '../access/metering/usage-meter.js';
import type { CancellationSource } from '../core/cancellation.js';
import type { DispatchTrace } from '../routing/dispatcher.js';

export interface GatewayState extends DispatchTrace {
  requestId: string;
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
  /** Who is calling, once their token was checked. */
  caller?: Caller;
  /** A bearer token the gateway does not know, kept only until a BYOK provider takes it as its key. */
  unknownToken?: string;
  /** The caller's id (a client key's id or a short token hash, never a secret), for logs. */
  clientFingerprint?: string;
  /** The inference call being metered. */
  metered?: MeteredCall;
  model?: string;
  provider?: string;
  /** How a stream ended when it did not end cleanly: `client_aborted` or `upstream_error`. */
  streamOutcome?: string;
  /** Fired when the client leaves before its response is complete (see client-abort.ts). */
  clientGone?: CancellationSource;
  /** The error behind a failed response, for the access log. */
  error?: { status: number; message: string; code: string | null };
}

export type GatewayContext = ParameterizedContext<GatewayState>;
export type GatewayMiddleware = Middleware<GatewayState>;
