import type { CallTrace } from './trace.js';

/**
 * A one-shot "stop this call" signal passed from a route to the provider and the HTTP layer. It does the job of
 * an AbortSignal at a fraction of the cost: Node's EventTarget-based AbortSignal, wired into http.request, costs
 * about 15 µs of CPU per call on the benchmark machine, which is a sizeable share of the gateway's budget.
 */
export interface Cancellation {
  readonly cancelled: boolean;
  /**
   * The call's trace context, when the call came from a client: the cancellation is the one per-call value every
   * provider already hands the upstream HTTP client, so the trace rides along with it.
   */
  readonly trace?: CallTrace | undefined;
  /** Runs `handler` once when the call is cancelled (at once if it already is); returns a function removing it. */
  onCancel(handler: () => void): () => void;
}

const noop = () => undefined;

export class CancellationSource implements Cancellation {
  private handlers: (() => void)[] = [];
  cancelled = false;
  trace: CallTrace | undefined;

  /** A cancellation that fires by itself after `ms` (for calls that have no client to go away). */
  static after(ms: number): CancellationSource {
    const source = new CancellationSource();
    setTimeout(() => source.cancel(), ms).unref();
    return source;
  }

  /** A cancellation of its own that also fires when `parent` does; `unlink` stops following the parent. */
  static linkedTo(parent: Cancellation): { source: CancellationSource; unlink: () => void } {
    const source = new CancellationSource();
    source.trace = parent.trace;
    return { source, unlink: parent.onCancel(() => source.cancel()) };
  }

  onCancel(handler: () => void): () => void {
    if (this.cancelled) {
      handler();
      return noop;
    }
    this.handlers.push(handler);
    return () => {
      const index = this.handlers.indexOf(handler);
      if (index !== -1) this.handlers.splice(index, 1);
    };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const handler of this.handlers.splice(0)) handler();
  }
}
