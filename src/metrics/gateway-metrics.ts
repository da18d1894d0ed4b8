import { performance } from 'node:perf_hooks';
import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { LimitRefusalObserver } from '../access/metering/admission.js';
import type { LimitName } from '../access/limits/limit-store.js';
import type { AdmittedCall, CallOutcome } from '../calls/call.js';
import type { CallObserver } from '../calls/finish-call.js';
import type { TokenUsage } from '../core/usage.js';
import type { KeyEvent, KeyEventObserver } from '../keys/key-events.js';
import type { KeyPool } from '../keys/key-pool.js';
import { keyStatus, type KeyStatus } from '../keys/key-state.js';
import type { StoreHealth } from '../keys/open-pool-store.js';
import type { RequestRecord } from '../logging/log-store.js';
import { BoundedLabel, LabelledChildren } from './bounded-label.js';
import { type CounterSeries, type HistogramSeries, InPlaceCounter, InPlaceHistogram } from './in-place-metrics.js';

/** Distinct values kept per label before the rest are folded into `other`. */
export const LABEL_CAPS = { model: 100, upstream: 100, client: 100 } as const;

/** The route family label of each call endpoint. */
const ROUTE_FAMILY: Record<RequestRecord['endpoint'], string> = {
  chat: 'chat',
  embeddings: 'embeddings',
  messages: 'messages',
  responses: 'responses',
  completions: 'completions',
  gemini: 'gemini-native',
  images: 'images',
  speech: 'speech',
  transcriptions: 'transcriptions',
};

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const statusClass = (status: number) => STATUS_CLASSES[Math.min(4, Math.max(0, Math.floor(status / 100) - 1))]!;

const KEY_STATUSES: readonly KeyStatus[] = ['valid', 'cooling', 'invalid'];

/** Where the gauges read at scrape time come from. */
export interface MetricsSources {
  /** The key pools of the routing table in force, by upstream. */
  pools: () => ReadonlyMap<string, KeyPool>;
  storeHealth: () => StoreHealth;
}

interface CallChildren {
  requests: CounterSeries;
  duration: HistogramSeries;
  firstByte: HistogramSeries;
}

interface TokenChildren {
  input: CounterSeries;
  output: CounterSeries;
}

interface DispatchChildren {
  retries: CounterSeries;
  fallbacks: CounterSeries;
  hedges: CounterSeries;
}

/** The key pools' states and how long reading them took, read once per scrape for every gauge that needs them. */
interface KeyReading {
  counts: { upstream: string; counts: Record<KeyStatus, number> }[];
  seconds: number | undefined;
}

/**
 * The gateway's Prometheus metrics (prom-client lives in this folder only). Calls, key events and limit refusals
 * are counted as they happen, once per call at its end, through the observer interfaces the call path, the key
 * pools and admission offer; gauges (key states, store health and latency, calls in flight) are read when
 * scraped. Label values are bounded (see LABEL_CAPS); no key, token or request id is ever a label.
 */
export class GatewayMetrics implements CallObserver, KeyEventObserver, LimitRefusalObserver {
  readonly registry = new Registry();
  private readonly models = new BoundedLabel(LABEL_CAPS.model);
  private readonly upstreams = new BoundedLabel(LABEL_CAPS.upstream);
  private readonly clients = new BoundedLabel(LABEL_CAPS.client);
  private readonly calls: LabelledChildren<CallChildren>;
  private readonly tokens: LabelledChildren<TokenChildren>;
  private readonly dispatches: LabelledChildren<DispatchChildren>;
  private readonly keyEvents: Counter<'upstream' | 'event'>;
  private readonly limitRefusals: Counter<'limit'>;
  private inFlight = 0;
  private keyReading: Promise<KeyReading> | undefined;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    // Under WORKERS the primary serves METRICS_PORT with every worker's metrics summed (prom-client's aggregator).
    if (cluster.isWorker) {
      AggregatorRegistry.setRegistries([this.registry]);
      // Constructing one is what makes a worker answer the primary's requests for its metrics.
      new AggregatorRegistry();
    }
    collectDefaultMetrics({ register: this.registry });
    // What every call counts is counted in place (see InPlaceMetric); rarer events use prom-client's own metrics.
    const requests = new InPlaceCounter('llm_gateway_requests_total', 'Inference calls, by route family, model (or group), upstream and status class.', registers);
    const callHistogram = (name: string, help: string, buckets: number[]) => new InPlaceHistogram(name, help, buckets, registers);
    const duration = callHistogram('llm_gateway_request_duration_seconds', 'Inference calls from arrival to the end of the answer (a stream: its last byte).', [
      0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
    ]);
    const firstByte = callHistogram('llm_gateway_time_to_first_byte_seconds', 'Inference calls from arrival until their answer began (for a stream, its first event).', [
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]);
    this.calls = new LabelledChildren(([route, model, upstream, status]) => {
      const labels = { route: route!, model: model!, upstream: upstream!, status_class: status! };
      return { requests: requests.labels(labels), duration: duration.labels(labels), firstByte: firstByte.labels(labels) };
    });
    const input = new InPlaceCounter('llm_gateway_input_tokens_total', 'Input (prompt) tokens, by model, upstream and client key name.', registers);
    const output = new InPlaceCounter('llm_gateway_output_tokens_total', 'Output (completion) tokens, by model, upstream and client key name.', registers);
    this.tokens = new LabelledChildren(([model, upstream, client]) => {
      const labels = { model: model!, upstream: upstream!, client: client! };
      return { input: input.labels(labels), output: output.labels(labels) };
    });
    const retries = new InPlaceCounter('llm_gateway_retries_total', 'Attempts on a target after one of its attempts failed (another key where there is one).', registers);
    const fallbacks = new InPlaceCounter('llm_gateway_fallbacks_total', 'Targets tried after another failed: a group’s next target or a fallback’s.', registers);
    const hedges = new InPlaceCounter('llm_gateway_hedges_total', 'Hedged calls whose second attempt was started.', registers);
    this.dispatches = new LabelledChildren(([route, model]) => {
      const labels = { route: route!, model: model! };
      return { retries: retries.labels(labels), fallbacks: fallbacks.labels(labels), hedges: hedges.labels(labels) };
    });
    this.keyEvents = new Counter({ name: 'llm_gateway_key_events_total', help: 'Upstream key events: invalidated, recovered, rate_limited.', labelNames: ['upstream', 'event'], registers });
    this.limitRefusals = new Counter({ name: 'llm_gateway_client_limit_refusals_total', help: 'Calls refused by a client key’s limit or budget, by limit.', labelNames: ['limit'], registers });

    const metrics = this;
    new Gauge({
      name: 'llm_gateway_calls_in_flight',
      help: 'Inference calls started and not yet finished.',
      registers,
      collect() {
        this.set(metrics.inFlight);
      },
    });
    new Gauge({
      name: 'llm_gateway_upstream_keys',
      // Every worker reads the same shared store: under WORKERS the cluster's value is any one worker's, not their sum.
      aggregator: 'first',
      help: 'Upstream keys of the pools in force, by state (valid, cooling, invalid).',
      labelNames: ['upstream', 'state'],
      registers,
      async collect() {
        const reading = await metrics.readKeys();
        this.reset();
        for (const { upstream, counts } of reading.counts) for (const state of KEY_STATUSES) this.inc({ upstream, state }, counts[state]);
      },
    });
    new Gauge({
      name: 'llm_gateway_store_up',
      aggregator: 'first',
      help: 'Whether the key pool store is healthy (1) or degraded to memory (0), by kind (memory, redis).',
      labelNames: ['kind'],
      registers,
      collect() {
        const health = sources.storeHealth();
        this.reset();
        this.set({ kind: health.kind }, health.status === 'ok' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'llm_gateway_store_latency_seconds',
      aggregator: 'first',
      help: 'How long reading every pool’s key states from the store took at this scrape.',
      registers,
      async collect() {
        const { seconds } = await metrics.readKeys();
        if (seconds !== undefined) this.set(seconds);
      },
    });
  }

  /** Prometheus' text format of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  callStarted(): void {
    this.inFlight += 1;
  }

  callFinished(call: AdmittedCall, outcome: CallOutcome, upstream: string, usage: TokenUsage | undefined): void {
    this.inFlight -= 1;
    const route = ROUTE_FAMILY[call.endpoint];
    const model = this.models.value(call.model);
    const upstreamLabel = this.upstreams.value(upstream);
    const children = this.calls.get(route, model, upstreamLabel, statusClass(outcome.status));
    children.requests.inc();
    children.duration.observe((Date.now() - call.startedAt) / 1000);
    if (outcome.firstByteMs !== undefined) children.firstByte.observe(outcome.firstByteMs / 1000);
    if (usage && usage.total > 0) {
      const tokens = this.tokens.get(model, upstreamLabel, this.clients.value(call.caller.name));
      if (usage.prompt > 0) tokens.input.inc(usage.prompt);
      if (usage.completion > 0) tokens.output.inc(usage.completion);
    }
    const dispatch = outcome.dispatch;
    if (dispatch && (dispatch.retries > 0 || dispatch.fallbacks > 0 || dispatch.hedged)) {
      const counters = this.dispatches.get(route, model);
      if (dispatch.retries > 0) counters.retries.inc(dispatch.retries);
      if (dispatch.fallbacks > 0) counters.fallbacks.inc(dispatch.fallbacks);
      if (dispatch.hedged) counters.hedges.inc();
    }
  }

  keyEvent(upstream: string, event: KeyEvent): void {
    this.keyEvents.inc({ upstream: this.upstreams.value(upstream), event });
  }

  limitRefused(limit: LimitName): void {
    this.limitRefusals.inc({ limit });
  }

  /** The pools' key states, read once however many gauges ask during one scrape. */
  private readKeys(): Promise<KeyReading> {
    this.keyReading ??= this.measureKeys().finally(() => (this.keyReading = undefined));
    return this.keyReading;
  }

  private async measureKeys(): Promise<KeyReading> {
    const started = performance.now();
    const now = Date.now();
    try {
      const pools = [...this.sources.pools()];
      const counts = await Promise.all(
        pools.map(async ([upstream, pool]) => {
          const counts: Record<KeyStatus, number> = { valid: 0, cooling: 0, invalid: 0 };
          for (const state of await pool.states()) counts[keyStatus(state, now)] += 1;
          return { upstream: this.upstreams.value(upstream), counts };
        }),
      );
      return { counts, seconds: (performance.now() - started) / 1000 };
    } catch {
      // The store could not be read: the gauges say nothing rather than something wrong.
      return { counts: [], seconds: undefined };
    }
  }
}
