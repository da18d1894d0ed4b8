import type { Caller } from '../access/identity/caller.js';
import type { TokenUsage } from '../access/metering/token-usage.js';
import type { Cancellation } from '../core/cancellation.js';
import type { RequestRecord } from '../logging/log-store.js';
import type { DispatchRecord, RoutePlan } from '../routing/dispatcher.js';

/**
 * One inference call, as a value: built once when the request has been read and its caller is known, handed to
 * dispatch and to `finish`, never changed by them.
 */
export interface Call {
  readonly requestId: string;
  /** Epoch milliseconds when the request arrived. */
  readonly startedAt: number;
  readonly endpoint: RequestRecord['endpoint'];
  readonly caller: Caller;
  /** The model as the client named it (or its key's default model). */
  readonly model: string;
  readonly stream: boolean;
  /** Where the call may go: routes in the order to try them, and fallbacks. */
  readonly plan: RoutePlan;
  /** The caller's own upstream key for a BYOK provider, with the label logs name it by. */
  readonly ownKey: { secret: string; label: string } | undefined;
  /** Fired when the client goes away or the gateway gives up on the call. */
  readonly cancellation: Cancellation;
  /** The names a client key's model allowlist may list the model under. */
  readonly allowlistNames: readonly string[];
  /** LOG_REQUEST_BODIES: keep excerpts of the prompt and the answer in the request log. */
  readonly logBodies: boolean;
}

/** An admitted call: a client key's call holds a slot under its limits until it is finished. */
export interface AdmittedCall extends Call {
  /** The admission ticket, when the caller's limits are counted. */
  readonly ticket?: string | undefined;
}

/** How a call's response ended when it did not end cleanly. */
export type BrokenOff = 'client_aborted' | 'upstream_error';

/** What happened to a call, gathered by the route that ran it, for `finish`. */
export interface CallOutcome {
  status: number;
  error: { status: number; message: string; code: string | null } | undefined;
  /** What the dispatcher did; undefined when the call ended before dispatch. */
  dispatch: DispatchRecord | undefined;
  /** The usage the upstream reported. */
  usage: TokenUsage | undefined;
  /** The gateway's estimate, asked for only when the upstream reported none. */
  estimate: (() => TokenUsage) | undefined;
  brokenOff: BrokenOff | undefined;
  requestExcerpt: string | undefined;
  responseExcerpt: string | undefined;
  /** What the call cost in nano-dollars (0 when it used nothing); null when its model has no price. */
  cost: number | null;
  /** Milliseconds from the request's arrival until its answer began to be written; undefined when none was. */
  firstByteMs: number | undefined;
}

export const EXCERPT_LENGTH = 1000;
