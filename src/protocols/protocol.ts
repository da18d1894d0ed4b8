import type { Readable } from 'node:stream';
import type { TokenUsage } from '../access/metering/token-usage.js';
import type { Call } from '../calls/call.js';
import type { GatewayError } from '../core/errors.js';
import type { PrimedStream } from '../core/primed-stream.js';
import type { UpstreamOperation } from '../routing/dispatcher.js';

/** The parts of an HTTP request a client protocol reads; the http layer fills it, so protocols never see Koa. */
export interface WireRequest {
  /** The JSON body, parsed; undefined when there is none. */
  body: unknown;
  /** The body exactly as the client sent it, for passing through untouched. */
  rawBody: string | undefined;
  /** Values the route took from the path (a model name, an action). */
  params: Readonly<Record<string, string>>;
  /** The query string to forward upstream, without `?` and without the client's credentials. */
  query: string;
  /** The client's Accept header. */
  accept: string;
  /** A header of the client's request (for the headers a protocol forwards, such as `anthropic-version`). */
  header(name: string): string | undefined;
  /** Where the client reached the gateway (`https://gateway.example`), for URLs of what the gateway serves. */
  origin(): string;
}

/** What a protocol reads before the call exists: the model named (if any), whether the answer streams, and its own request. */
export interface ParsedRequest<Request> {
  model: string | undefined;
  stream: boolean;
  request: Request;
  /** The start of the prompt, for the request log (LOG_REQUEST_BODIES). */
  excerpt?: () => string;
  /** The request's estimated size, for pricing a call before it runs (dollar budgets, the `lowest-cost` strategy). */
  size?: () => RequestSize;
}

export interface RequestSize {
  /** Estimated prompt tokens. */
  prompt: number;
  /** The most output tokens the request allows (`max_tokens` and the like); undefined when it sets none. */
  maxOutput: number | undefined;
}

/** How a call runs upstream: one operation per target and key; a stream resolves once its first event is in. */
export interface CallPlan<Result> {
  operation: UpstreamOperation<Result>;
  /** The call needs billing (image generation, as gemini-balance's PAID_KEY): a provider's paid key serves it. */
  needsBilling?: boolean;
  /** For results that go on after the operation returns (streams): the key is in use until this settles. */
  holdKeyUntil?: (result: Result) => Promise<void>;
  /** Lets go of a result nobody will read (a hedged attempt's late answer): closes a stream. */
  discard?: (result: Result) => void;
}

/** What metering learns from an answer once it has been written (a stream's usage is known only at its end). */
export interface AnswerUsage {
  usage: TokenUsage | undefined;
  estimate: () => TokenUsage;
  responseExcerpt: string | undefined;
}

export interface JsonReply {
  kind: 'json';
  body: string;
  usage(): AnswerUsage;
}

/** Server-sent events: batches of payloads, framed by the protocol. */
export interface EventStreamReply {
  kind: 'events';
  events: PrimedStream<string[]>;
  /** The SSE text of one batch of payloads. */
  frame(payloads: readonly string[]): string;
  /** What follows a complete stream (`data: [DONE]` for OpenAI's clients). */
  end: string;
  /** The event that ends a stream that broke off, so a cut answer never looks complete. */
  errorEvent(error: GatewayError): string;
  usage(): AnswerUsage;
}

/** The upstream's own bytes, passed on as they come. */
export interface PassthroughReply {
  kind: 'bytes';
  status: number;
  contentType: string;
  /** The first chunk, read before anything was sent (undefined for an empty body). */
  first: Buffer | undefined;
  /** The rest; undefined when `first` is the whole answer. */
  body: Readable | undefined;
  usage(): AnswerUsage;
}

export type Reply = JsonReply | EventStreamReply | PassthroughReply;

/** An error as the protocol's clients expect it. */
export interface ErrorReply {
  status: number;
  headers: Readonly<Record<string, string>>;
  contentType?: string;
  body: string | object;
}

/**
 * A client protocol: the mirror image of a provider. It parses its wire request into what a call needs, says how
 * the call runs on a target, and writes the result back in its wire format, streams and errors included.
 */
export interface ClientProtocol<Request, Result> {
  readonly endpoint: Call['endpoint'];
  parse(wire: WireRequest): ParsedRequest<Request>;
  plan(request: Request, call: Call): CallPlan<Result>;
  /** `costOf`: what a usage costs on the route that served the call (nano-dollars; null when unpriced). */
  reply(result: Result, request: Request, call: Call, costOf: (usage: TokenUsage) => number | null): Reply;
  /** `error` is what was thrown (an upstream's own answer may be passed on); `gatewayError` its gateway form. */
  errorReply(error: unknown, gatewayError: GatewayError): ErrorReply;
}
