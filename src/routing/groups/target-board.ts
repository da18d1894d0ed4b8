import type { EjectionPolicy } from './model-group.js';
import type { TargetSignals } from './strategies.js';

/** A target's ejection, as every instance sees it. */
export interface Ejection {
  /** Until when the target is out of rotation. */
  until: number;
  /** Ejections in a row: each doubles the cool-off. */
  count: number;
}

/** What other instances know, merged: the board reads it from its store in the background, never per call. */
export interface SharedRoutingView {
  /** Calls in flight on other instances, per target. */
  inFlight: ReadonlyMap<string, number>;
  /** Latency averages reported by other instances, per target. */
  latencyMs: ReadonlyMap<string, number>;
  /** Tokens used this minute by every instance, per target (this one's last flushed counts included). */
  tokens: ReadonlyMap<string, number>;
  ejections: ReadonlyMap<string, Ejection>;
}

/** Where instances share their routing state (memory for one instance, Redis for several). */
export interface RoutingStateStore {
  /** Publishes this instance's in-flight counts and latencies and adds its token counts; returns the merged view. */
  exchange(update: RoutingStateUpdate): Promise<SharedRoutingView>;
  setEjection(targetId: string, ejection: Ejection | undefined): Promise<void>;
  close(): Promise<void>;
}

export interface RoutingStateUpdate {
  instanceId: string;
  inFlight: ReadonlyMap<string, number>;
  latencyMs: ReadonlyMap<string, number>;
  /** Tokens used since the last exchange, per target, with the minute (`YYYYMMDDHHmm`, UTC) they belong to. */
  tokens: ReadonlyMap<string, number>;
  minute: string;
  now: number;
}

/** Weight of a new measurement in the latency moving average. */
const LATENCY_SMOOTHING = 0.3;

const EMPTY_VIEW: SharedRoutingView = { inFlight: new Map(), latencyMs: new Map(), tokens: new Map(), ejections: new Map() };

export const minuteOf = (now: number): string => new Date(now).toISOString().slice(0, 16).replace(/\D/g, '');

/**
 * The routing state of the targets: calls in flight, time to first byte, tokens this minute, consecutive failures
 * and ejections. Calls read and update a local copy only; a background exchange with the store (every
 * `syncIntervalMs`) shares it with other instances, so routing adds no store round trip to a call.
 */
export class TargetBoard implements TargetSignals {
  private readonly localInFlight = new Map<string, number>();
  private readonly localLatency = new Map<string, number>();
  private readonly unsentTokens = new Map<string, number>();
  private tokensMinute: string;
  private readonly failures = new Map<string, number>();
  private readonly ejections = new Map<string, Ejection>();
  /** Targets past their cool-off with a probe call out: one call at a time tests a target coming back. */
  private readonly probing = new Set<string>();
  private view: SharedRoutingView = EMPTY_VIEW;
  private readonly timer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;

  constructor(
    private readonly store: RoutingStateStore,
    private readonly instanceId: string,
    syncIntervalMs: number,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.tokensMinute = minuteOf(this.now());
    this.timer = syncIntervalMs > 0 ? setInterval(() => void this.sync(), syncIntervalMs).unref() : undefined;
  }

  inFlight(targetId: string): number {
    return (this.localInFlight.get(targetId) ?? 0) + (this.view.inFlight.get(targetId) ?? 0);
  }

  latencyMs(targetId: string): number | undefined {
    return this.localLatency.get(targetId) ?? this.view.latencyMs.get(targetId);
  }

  tokensThisMinute(targetId: string): number {
    this.rollMinute();
    return (this.view.tokens.get(targetId) ?? 0) + (this.unsentTokens.get(targetId) ?? 0);
  }

  /**
   * Whether a call may go to the target: yes unless it is ejected; once its cool-off is over, one call at a time
   * may go as a probe (see `started`), whose outcome brings the target back or ejects it for longer.
   */
  admits(targetId: string): boolean {
    const ejection = this.ejection(targetId);
    return ejection === undefined || (this.now() >= ejection.until && !this.probing.has(targetId));
  }

  /** A call goes to the target; to an ejected one past its cool-off, it is the probe. */
  started(targetId: string): void {
    this.localInFlight.set(targetId, (this.localInFlight.get(targetId) ?? 0) + 1);
    if (this.ejection(targetId) !== undefined) this.probing.add(targetId);
  }

  private ejection(targetId: string): Ejection | undefined {
    return this.ejections.get(targetId) ?? this.view.ejections.get(targetId);
  }

  /** A call to the target got its first byte after `ms`. */
  measured(targetId: string, ms: number): void {
    const average = this.latencyMs(targetId);
    this.localLatency.set(targetId, average === undefined ? ms : average + LATENCY_SMOOTHING * (ms - average));
  }

  /**
   * A call to the target is over (a stream when its last event is out). Called after `succeeded` or `failed`, it
   * also ends a probe whose outcome said nothing about the target.
   */
  finished(targetId: string): void {
    this.probing.delete(targetId);
    const inFlight = (this.localInFlight.get(targetId) ?? 1) - 1;
    if (inFlight > 0) this.localInFlight.set(targetId, inFlight);
    else this.localInFlight.delete(targetId);
  }

  addTokens(targetId: string, tokens: number): void {
    if (tokens <= 0) return;
    this.rollMinute();
    this.unsentTokens.set(targetId, (this.unsentTokens.get(targetId) ?? 0) + tokens);
  }

  succeeded(targetId: string): void {
    this.failures.delete(targetId);
    this.probing.delete(targetId);
    if (this.ejections.has(targetId) || this.view.ejections.has(targetId)) {
      this.ejections.delete(targetId);
      this.share(targetId, undefined);
    }
  }

  /** A call the target failed (5xx, timeout, connection): enough in a row eject it, longer each time in a row. */
  failed(targetId: string, policy: EjectionPolicy): void {
    const wasProbe = this.probing.delete(targetId);
    const failures = (this.failures.get(targetId) ?? 0) + 1;
    this.failures.set(targetId, failures);
    if (!wasProbe && failures < policy.afterFailures) return;
    const previous = this.ejection(targetId);
    const count = (previous?.count ?? 0) + 1;
    const ejection = { until: this.now() + Math.min(policy.maxCoolOffMs, policy.coolOffMs * 2 ** (count - 1)), count };
    this.ejections.set(targetId, ejection);
    this.failures.delete(targetId);
    this.share(targetId, ejection);
  }

  /** Exchanges state with the store now (the timer does it in the background). */
  sync(): Promise<void> {
    this.syncing ??= this.exchange().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sync();
  }

  private async exchange(): Promise<void> {
    this.rollMinute();
    const tokens = new Map(this.unsentTokens);
    this.unsentTokens.clear();
    try {
      this.view = await this.store.exchange({
        instanceId: this.instanceId,
        inFlight: this.localInFlight,
        latencyMs: this.localLatency,
        tokens,
        minute: this.tokensMinute,
        now: this.now(),
      });
      // The store's view now holds what this instance decided; local copies would only hide newer news.
      for (const [id, ejection] of this.ejections) if (this.view.ejections.get(id)?.until === ejection.until) this.ejections.delete(id);
    } catch (error) {
      for (const [id, count] of tokens) this.unsentTokens.set(id, (this.unsentTokens.get(id) ?? 0) + count);
      this.onError(error);
    }
  }

  private rollMinute(): void {
    const minute = minuteOf(this.now());
    if (minute === this.tokensMinute) return;
    this.tokensMinute = minute;
    this.unsentTokens.clear();
    this.view = { ...this.view, tokens: new Map() };
  }

  private share(targetId: string, ejection: Ejection | undefined): void {
    this.store.setEjection(targetId, ejection).catch(this.onError);
  }
}
