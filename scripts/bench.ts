/**
 * `npm run bench`: measures, in one run on this machine, an OpenAI-compatible upstream reached directly, through
 * a bare Node reverse proxy, and through the gateway (`npm start`'s build, real config, info-level logs, a 10-key
 * pool in memory, the same model as a model group of two deployments from a config file, and the pool on Redis
 * when one answers at BENCH_REDIS_URL or 127.0.0.1:6379):
 * non-stream latency at concurrency 1, non-stream and streaming (20 chunks) throughput at concurrency 64, and
 * time to first chunk. Prints the gateway's added latency, its throughput against the other two, and what routing
 * through a group adds.
 * Then a Responses API call passed through to the same upstream, next to the chat call, on the direct, bare-proxy
 * and gateway targets. BENCH_ONLY=responses runs that measure alone; BENCH_ONLY=console measures the gateway's
 * throughput with and without an open admin dashboard; BENCH_ONLY=cpu runs only the paired CPU comparison with the bare proxy;
 * BENCH_ONLY=footprint counts the promises and heap bytes a call creates in each (BENCH_FOOTPRINT_CALLS, 5000).
 * The gateways and the bare proxy (undici, the thinnest Node proxy) run pinned to one core, the upstream and the
 * load to the others (BENCH_PIN=0: not pinned); the gateway's CPU per request is compared with the bare proxy's
 * round by round (paired A/B), with every feature of a call on (token, pool routing, metering, access log, metrics).
 * Settings: BENCH_SECONDS per throughput run (3), BENCH_ROUNDS of throughput runs (5), BENCH_LATENCY_REQUESTS (2000).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ConfiguredProvider } from '../src/providers/registry.js';
import type { RoutePlan } from '../src/routing/dispatcher.js';
import { benchCores, cpuTimeMs, killChildren, median, percentile, pinSelf, startChild, startFlags } from './bench/processes.js';
import { GroupRouter } from '../src/routing/groups/group-router.js';
import type { GroupFallbacks, ModelGroup } from '../src/routing/groups/model-group.js';
import { MemoryRoutingStateStore } from '../src/routing/groups/routing-state-store.js';
import { TargetBoard } from '../src/routing/groups/target-board.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = 'sk-bench-client-token';

interface Target {
  name: string;
  port: number;
  /** The process whose CPU time per request is reported. */
  pid: number | undefined;
  agent: Agent;
}

const chatBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Say something about benchmarks.' }], temperature: 0.2 });
const streamBody = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream something.' }], stream: true });
const responsesBody = JSON.stringify({ model: 'gpt-4o-mini', instructions: 'You are terse.', input: 'Say something about benchmarks.', temperature: 0.2 });
const CHAT_PATH = '/v1/chat/completions';
/** The gateways' pool: ten keys on the one fake upstream. */
const TEN_KEYS = JSON.stringify(Array.from({ length: 10 }, (_, index) => `sk-bench-upstream-key-${index}`));

/** What every gateway of the benchmark is started with: any port, the client's token, the upstream, info-level logs. */
const baseGatewayEnv = (upstreamPort: number) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  ALLOWED_TOKENS: TOKEN,
  OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
  LOG_LEVEL: 'info',
});
const RESPONSES_PATH = '/v1/responses';

const messagesBody = JSON.stringify({ model: 'claude-bench', max_tokens: 256, system: 'You are terse.', messages: [{ role: 'user', content: 'Say something about benchmarks.' }], temperature: 0.2 });
const convertedMessagesBody = JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 256, system: 'You are terse.', messages: [{ role: 'user', content: 'Say something about benchmarks.' }], temperature: 0.2 });

/** One request; resolves with [total ms, ms to the first body byte]. */
function call(target: Target, body: string, path = CHAT_PATH): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstByte = 0;
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'POST',
        path,
        agent: target.agent,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${target.name}: HTTP ${res.statusCode}`));
        res.on('data', () => {
          if (firstByte === 0) firstByte = performance.now() - started;
        });
        res.on('end', () => resolve([performance.now() - started, firstByte]));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sequential calls (concurrency 1); resolves with their durations in ms. */
async function latencySamples(target: Target, count: number, body = chatBody, path = CHAT_PATH): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) samples.push((await call(target, body, path))[0]);
  return samples;
}

async function throughput(target: Target, body: string, concurrency: number, seconds: number, path = CHAT_PATH) {
  const warmEnd = performance.now() + 500;
  const end = warmEnd + seconds * 1000;
  let done = 0;
  let cpuStart: number | undefined;
  const firstChunk: number[] = [];
  setTimeout(() => (cpuStart = cpuTimeMs(target.pid)), 500);
  const worker = async () => {
    while (performance.now() < end) {
      const [, first] = await call(target, body, path);
      if (performance.now() > warmEnd) {
        done += 1;
        firstChunk.push(first);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpuEnd = cpuTimeMs(target.pid);
  firstChunk.sort((a, b) => a - b);
  const cpuPerRequestUs = cpuStart === undefined || cpuEnd === undefined ? NaN : ((cpuEnd - cpuStart) * 1000) / done;
  return { rps: done / seconds, firstChunkP50: percentile(firstChunk, 50), cpuPerRequestUs };
}

async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function cleanRedis(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/**
 * Routing alone, in this process: CPU per call of planning a weighted group of two deployments (and reporting the
 * call's start, end and tokens to the target board) against planning a model that is no group. Steadier than
 * the difference of two gateway runs, whose CPU per request varies by more than routing costs.
 */
function routingCpuPerCall(): { group: number; direct: number } {
  const noFallbacks: GroupFallbacks = { onError: [], onRateLimit: [], onContextWindow: undefined, onContentPolicy: undefined };
  const provider = (id: string) => ({ settings: { id } }) as ConfiguredProvider;
  const direct = { plan: (model: string): RoutePlan => ({ routes: [{ target: provider('openai'), upstreamModel: model }] }) };
  const group: ModelGroup = {
    name: 'bench-group',
    strategy: 'weighted',
    targets: ['east', 'west'].map((upstream, index) => ({
      id: `${upstream}/gpt-4o`,
      route: { target: provider(upstream), upstreamModel: 'gpt-4o', targetId: `${upstream}/gpt-4o` },
      weight: index + 1,
      priority: index,
      passesRequestedModel: false,
    })),
    fallbacks: noFallbacks,
    hedgeAfterMs: undefined,
    ejection: { afterFailures: 3, coolOffMs: 30_000, maxCoolOffMs: 300_000 },
    rewriteModel: false,
  };
  const board = new TargetBoard(new MemoryRoutingStateStore(), 'bench', 0);
  const router = new GroupRouter([group], noFallbacks, direct, board);
  const cpuPerCall = (model: string, calls: number) => {
    const started = process.cpuUsage();
    for (let index = 0; index < calls; index++) {
      const route = router.plan(model).routes[0]!;
      router.started(route);
      router.ended(route, { ok: true, failed: false, elapsedMs: 5 });
      router.used(route, 30);
    }
    const used = process.cpuUsage(started);
    return (used.user + used.system) / calls;
  };
  cpuPerCall('bench-group', 50_000);
  cpuPerCall('gpt-4o-mini', 50_000);
  return { group: cpuPerCall('bench-group', 200_000), direct: cpuPerCall('gpt-4o-mini', 200_000) };
}

/**
 * A Responses API call passed through (non-stream) against the chat call, measured the same way (latency at c=1,
 * throughput and CPU at c=64, in rounds over the targets) on the direct, bare-proxy and gateway targets.
 */
async function responsesPassthroughMeasure(targets: Target[], rounds: number, seconds: number, latencyCount: number): Promise<void> {
  const calls = [
    { name: 'chat', body: chatBody, path: CHAT_PATH },
    { name: 'responses', body: responsesBody, path: RESPONSES_PATH },
  ];
  for (const target of targets) for (const { body, path } of calls) await latencySamples(target, 300, body, path);
  for (const target of targets) for (const { body, path } of calls) await throughput(target, body, 64, 1, path);
  const rows = new Map<string, { latency: number[]; rps: number[]; cpu: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      for (const { name, body, path } of calls) {
        const row = rows.get(`${target.name}|${name}`) ?? { latency: [], rps: [], cpu: [] };
        rows.set(`${target.name}|${name}`, row);
        row.latency.push(...(await latencySamples(target, Math.ceil(latencyCount / rounds), body, path)));
        const run = await throughput(target, body, 64, seconds, path);
        row.rps.push(run.rps);
        row.cpu.push(run.cpuPerRequestUs);
      }
    }
  }
  const f = (value: number, digits = 2) => value.toFixed(digits).padStart(12);
  console.log('');
  console.log(`${'non-stream, passed through'.padEnd(32)}${['p50 c=1 (ms)', 'p99 c=1 (ms)', 'req/s c=64', 'CPU/req (µs)'].map((name) => name.padStart(14)).join('')}`);
  const summary = new Map<string, { p50: number; p99: number; rps: number; cpu: number }>();
  for (const target of targets) {
    for (const { name } of calls) {
      const row = rows.get(`${target.name}|${name}`)!;
      const sorted = row.latency.sort((a, b) => a - b);
      const result = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), rps: median(row.rps), cpu: median(row.cpu) };
      summary.set(`${target.name}|${name}`, result);
      console.log(`${`${target.name} ${name}`.padEnd(32)}  ${f(result.p50, 3)}  ${f(result.p99, 3)}  ${f(result.rps, 0)}  ${f(result.cpu, 0)}`);
    }
  }
  const gatewayChat = summary.get('gateway|chat')!;
  const gatewayResponses = summary.get('gateway|responses')!;
  const directResponses = summary.get('direct|responses')!;
  console.log(
    `gateway Responses passthrough: p50 ${(gatewayResponses.p50 - directResponses.p50).toFixed(3)} ms added at c=1 (chat: ${(gatewayChat.p50 - summary.get('direct|chat')!.p50).toFixed(3)} ms); ` +
      `${(gatewayResponses.cpu - gatewayChat.cpu).toFixed(0)} µs CPU per request against the chat call`,
  );
}

async function main() {
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const latencyCount = Number(process.env.BENCH_LATENCY_REQUESTS ?? 2000);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
  if (process.env.BENCH_ONLY === 'responses') return responsesOnly(seconds, latencyCount, rounds);
  if (process.env.BENCH_ONLY === 'console') return consoleOnly(seconds, rounds);
  if (process.env.BENCH_ONLY === 'cpu') return cpuOnly(seconds, rounds);
  if (process.env.BENCH_ONLY === 'footprint') return footprintOnly(Number(process.env.BENCH_FOOTPRINT_CALLS ?? 5000));
  // The proxies compared run on one core, the load and the upstream on the others (see benchCores).
  const cores = benchCores();
  if (cores) pinSelf(cores.load);
  else console.log('(processes not pinned to cores: BENCH_PIN=0, a single core, or no taskset)');
  const upstream = await startChild(here('./bench/upstream.js'), [], {}, [], cores?.load);
  const upstreamPort = upstream.port;
  const bareProxy = await startChild(here('./bench/bare-proxy.js'), [String(upstreamPort)], {}, [], cores?.measured);
  // Everything a call goes through is on: the client's token, routing over a key pool, metering, the access log
  // at info level, and the Prometheus metrics.
  const gatewayEnv = {
    ...baseGatewayEnv(upstreamPort),
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
    ANTHROPIC_API_KEY: 'sk-ant-bench-upstream-key',
    METRICS_TOKEN: 'sk-bench-metrics-token',
  };
  const gatewayFlags = startFlags();
  const gateway = await startChild(here('../src/main.js'), [], { ...gatewayEnv, OPENAI_API_KEYS: TEN_KEYS }, gatewayFlags, cores?.measured);
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `llmgw-bench-${process.pid}:`;
  const gatewayOnRedis = (await redisAnswers(redisUrl))
    ? await startChild(here('../src/main.js'), [], { ...gatewayEnv, OPENAI_API_KEYS: TEN_KEYS, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix }, gatewayFlags, cores?.measured)
    : undefined;
  // The same model as a model group of two deployments (both the fake upstream, each with its own ten keys), to
  // price routing: choosing a target, feeding the routing state, and the group's headers.
  const routingDir = mkdtempSync(join(tmpdir(), 'llmgw-bench-'));
  const routingFile = join(routingDir, 'gateway.yaml');
  const deployment = `{ type: openai-compatible, base_url: "http://127.0.0.1:${upstreamPort}/v1", api_keys: ${TEN_KEYS} }`;
  writeFileSync(routingFile, `upstreams:\n  east: ${deployment}\n  west: ${deployment}\nroutes:\n  gpt-4o-mini:\n    strategy: weighted\n    targets: [{ upstream: east }, { upstream: west }]\n`);
  const routedGateway = await startChild(here('../src/main.js'), [], { ...gatewayEnv, CONFIG_FILE: routingFile }, gatewayFlags, cores?.measured);

  const targets: Target[] = [
    { name: 'direct', port: upstreamPort, pid: upstream.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    { name: 'bare proxy', port: bareProxy.port, pid: bareProxy.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    { name: 'gateway', port: gateway.port, pid: gateway.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    { name: 'gw routed', port: routedGateway.port, pid: routedGateway.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    ...(gatewayOnRedis
      ? [{ name: 'gw + Redis', port: gatewayOnRedis.port, pid: gatewayOnRedis.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) }]
      : []),
  ];
  if (!gatewayOnRedis) console.log(`(no Redis at ${redisUrl}: the Redis pool column is left out)`);

  // Throughput is measured in rounds that visit every target in turn, and each figure is the median over the rounds:
  // on a shared or throttled machine speed drifts over a run, and targets measured minutes apart would otherwise
  // be compared at different speeds. Ratios are taken within a round, between neighbours in time.
  // Latency too is sampled in rounds, a slice of the calls per target in turn, after 300 warm-up calls each.
  for (const target of targets) await latencySamples(target, 300);
  const latencyRuns = new Map<string, number[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) latencyRuns.get(target.name)!.push(...(await latencySamples(target, Math.ceil(latencyCount / rounds))));
  }
  const latencies = new Map(
    targets.map((target) => {
      const sorted = latencyRuns.get(target.name)!.sort((a, b) => a - b);
      return [target.name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }] as const;
    }),
  );
  // Code that only runs under concurrency (queued sockets, the pool's rotation) is compiled before it is measured.
  for (const target of targets) {
    await throughput(target, chatBody, 64, 1);
    await throughput(target, streamBody, 64, 1);
  }
  const plainRuns = new Map<string, Awaited<ReturnType<typeof throughput>>[]>(targets.map((target) => [target.name, []]));
  const streamRuns = new Map<string, Awaited<ReturnType<typeof throughput>>[]>(targets.map((target) => [target.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) plainRuns.get(target.name)!.push(await throughput(target, chatBody, 64, seconds));
    for (const target of targets) streamRuns.get(target.name)!.push(await throughput(target, streamBody, 64, seconds));
  }
  const results: Record<string, { p50: number; p99: number; rps: number; cpu: number; streamRps: number; streamCpu: number; ttfc: number }> = {};
  for (const target of targets) {
    const plain = plainRuns.get(target.name)!;
    const streamed = streamRuns.get(target.name)!;
    results[target.name] = {
      ...latencies.get(target.name)!,
      rps: median(plain.map((run) => run.rps)),
      cpu: median(plain.map((run) => run.cpuPerRequestUs)),
      streamRps: median(streamed.map((run) => run.rps)),
      streamCpu: median(streamed.map((run) => run.cpuPerRequestUs)),
      ttfc: median(streamed.map((run) => run.firstChunkP50)),
    };
  }
  /** The median over the rounds of one target's throughput as a share of another's in the same round. */
  const roundRatio = (runs: Map<string, { rps: number }[]>, of: string, to: string) =>
    median(runs.get(of)!.map((run, round) => run.rps / runs.get(to)![round]!.rps));

  const f = (value: number, digits = 2) => value.toFixed(digits).padStart(10);
  const rows: [string, (r: (typeof results)[string]) => string][] = [
    ['non-stream latency p50, c=1 (ms)', (r) => f(r.p50, 3)],
    ['non-stream latency p99, c=1 (ms)', (r) => f(r.p99, 3)],
    ['non-stream throughput, c=64 (req/s)', (r) => f(r.rps, 0)],
    ['non-stream CPU per request, c=64 (µs)', (r) => f(r.cpu, 0)],
    ['stream (20 chunks) throughput, c=64 (req/s)', (r) => f(r.streamRps, 0)],
    ['stream CPU per request, c=64 (µs)', (r) => f(r.streamCpu, 0)],
    ['stream time to first chunk p50, c=64 (ms)', (r) => f(r.ttfc, 3)],
  ];
  if (gatewayOnRedis) await cleanRedis(redisUrl, redisPrefix);
  const names = targets.map((target) => target.name);
  console.log(`${''.padEnd(46)}${names.map((name) => name.padStart(12)).join('')}`);
  for (const [label, cell] of rows) console.log(`${label.padEnd(46)}${names.map((name) => `  ${cell(results[name]!)}`).join('')}`);
  const direct = results.direct!;
  const gatewayResult = results.gateway!;
  console.log('(CPU per request: of the process in that column: the upstream itself for "direct")');
  console.log('');
  console.log(`gateway added latency, c=1: p50 ${(gatewayResult.p50 - direct.p50).toFixed(3)} ms, p99 ${(gatewayResult.p99 - direct.p99).toFixed(3)} ms (target: p50 < 1 ms)`);
  const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
  const perRound = (runs: Map<string, { rps: number }[]>) =>
    runs.get('gateway')!.map((run, round) => percent(run.rps / runs.get('bare proxy')![round]!.rps)).join(', ');
  console.log(
    `gateway non-stream throughput: ${percent(roundRatio(plainRuns, 'gateway', 'direct'))} of direct, ${percent(roundRatio(plainRuns, 'gateway', 'bare proxy'))} of the bare proxy ` +
      `(rounds: ${perRound(plainRuns)}; target: >= 50% of the bare proxy)`,
  );
  console.log(
    `gateway stream throughput: ${percent(roundRatio(streamRuns, 'gateway', 'direct'))} of direct, ${percent(roundRatio(streamRuns, 'gateway', 'bare proxy'))} of the bare proxy ` +
      `(rounds: ${perRound(streamRuns)}; target: >= 50% of the bare proxy)`,
  );
  // Paired A/B: within each round the bare proxy and the gateway run back to back on the same core, so each
  // round's ratio compares them at the same machine speed; the figure is the median of those ratios.
  const cpuRatio = (runs: Map<string, { cpuPerRequestUs: number }[]>) => {
    const ratios = runs.get('gateway')!.map((run, round) => run.cpuPerRequestUs / runs.get('bare proxy')![round]!.cpuPerRequestUs);
    return `${median(ratios).toFixed(2)}× (rounds: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')})`;
  };
  console.log(`gateway CPU per request against the bare proxy's, paired by round: non-stream ${cpuRatio(plainRuns)}, stream ${cpuRatio(streamRuns)} (target: <= 1.5×)`);
  const routed = results['gw routed']!;
  console.log(
    `model group (weighted over two deployments) against the direct model: ${(routed.cpu - gatewayResult.cpu).toFixed(0)} µs CPU per request (non-stream), ` +
      `${(routed.streamCpu - gatewayResult.streamCpu).toFixed(0)} µs (stream), p50 ${(routed.p50 - gatewayResult.p50).toFixed(3)} ms at c=1 (target: < 10 µs CPU)`,
  );
  // Anthropic's Messages API on the same gateway: passed through to an Anthropic upstream, and converted for the
  // OpenAI one, against the chat call (CPU per call of the gateway process, medians over the rounds).
  const gatewayTarget = targets.find((target) => target.name === 'gateway')!;
  await throughput(gatewayTarget, messagesBody, 64, 1, '/v1/messages');
  await throughput(gatewayTarget, convertedMessagesBody, 64, 1, '/v1/messages');
  const protocolRuns: Record<'chat' | 'passthrough' | 'converted', number[]> = { chat: [], passthrough: [], converted: [] };
  for (let round = 0; round < rounds; round++) {
    protocolRuns.chat.push((await throughput(gatewayTarget, chatBody, 64, seconds)).cpuPerRequestUs);
    protocolRuns.passthrough.push((await throughput(gatewayTarget, messagesBody, 64, seconds, '/v1/messages')).cpuPerRequestUs);
    protocolRuns.converted.push((await throughput(gatewayTarget, convertedMessagesBody, 64, seconds, '/v1/messages')).cpuPerRequestUs);
  }
  const chatCpu = median(protocolRuns.chat);
  console.log(
    `/v1/messages CPU per request, c=64: passed through to Anthropic ${median(protocolRuns.passthrough).toFixed(0)} µs, converted for OpenAI ` +
      `${median(protocolRuns.converted).toFixed(0)} µs, against ${chatCpu.toFixed(0)} µs for the chat call (target: passthrough within ±10 % of chat)`,
  );
  const routing = routingCpuPerCall();
  console.log(
    `routing alone, in process: ${routing.group.toFixed(2)} µs CPU per call for the group (plan, start, end, tokens), ` +
      `${routing.direct.toFixed(2)} µs for a direct model: ${(routing.group - routing.direct).toFixed(2)} µs added (target: < 10 µs)`,
  );
  if (results['gw + Redis']) {
    const onRedis = results['gw + Redis'];
    console.log(
      `10-key pool on Redis against the memory store: p50 ${(onRedis.p50 - gatewayResult.p50).toFixed(3)} ms, p99 ${(onRedis.p99 - gatewayResult.p99).toFixed(3)} ms added at c=1; ` +
        `throughput ${percent(roundRatio(plainRuns, 'gw + Redis', 'gateway'))} (non-stream) and ${percent(roundRatio(streamRuns, 'gw + Redis', 'gateway'))} (stream) of the memory store's`,
    );
  }
  await responsesPassthroughMeasure(targets.slice(0, 3), rounds, seconds, latencyCount);
}

/**
 * BENCH_ONLY=cpu: only the paired CPU comparison of the gateway (10-key pool in memory, everything on) with the bare
 * proxy, non-stream and stream, both pinned to the same core, in rounds ordered A B B A so that a drift in the
 * machine's speed weighs on both alike. BENCH_GATEWAY_FLAGS adds Node flags to the gateway (`--cpu-prof`, say).
 */
async function cpuOnly(seconds: number, rounds: number): Promise<void> {
  const cores = benchCores();
  if (cores) pinSelf(cores.load);
  const upstream = await startChild(here('./bench/upstream.js'), [], {}, [], cores?.load);
  const bareProxy = await startChild(here('./bench/bare-proxy.js'), [String(upstream.port)], {}, [], cores?.measured);
  const extraFlags = (process.env.BENCH_GATEWAY_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const gateway = await startChild(
    here('../src/main.js'),
    [],
    { ...baseGatewayEnv(upstream.port), METRICS_TOKEN: 'sk-bench-metrics-token', OPENAI_API_KEYS: TEN_KEYS },
    [...startFlags(), ...extraFlags],
    cores?.measured,
  );
  const bare: Target = { name: 'bare proxy', port: bareProxy.port, pid: bareProxy.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) };
  const gatewayTarget: Target = { name: 'gateway', port: gateway.port, pid: gateway.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) };
  for (const body of [chatBody, streamBody]) for (const target of [bare, gatewayTarget]) await throughput(target, body, 64, 2);
  for (const [name, body] of [['non-stream', chatBody], ['stream', streamBody]] as const) {
    const cpu = { bare: [] as number[], gateway: [] as number[] };
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [bare, gatewayTarget, gatewayTarget, bare] : [gatewayTarget, bare, bare, gatewayTarget];
      const runs = { bare: 0, gateway: 0 };
      for (const target of order) runs[target === bare ? 'bare' : 'gateway'] += (await throughput(target, body, 64, seconds / 2)).cpuPerRequestUs / 2;
      cpu.bare.push(runs.bare);
      cpu.gateway.push(runs.gateway);
      ratios.push(runs.gateway / runs.bare);
    }
    console.log(
      `${name}: CPU per request ${median(cpu.bare).toFixed(0)} µs bare proxy, ${median(cpu.gateway).toFixed(0)} µs gateway: ` +
        `${median(ratios).toFixed(2)}× (rounds: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')})`,
    );
  }
  // Ends the gateway gently, so that a profile asked for in BENCH_GATEWAY_FLAGS is written.
  if (extraFlags.length > 0) {
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => gateway.child.once('exit', resolve));
  }
}

/** `count` calls, 64 at a time. */
async function callsInParallel(target: Target, body: string, count: number): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left-- > 0) await call(target, body);
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

/**
 * BENCH_ONLY=footprint: the promises created and the bytes allocated per call, gateway (as in `cpu`) against the
 * bare proxy, non-stream and stream, counted inside each process by footprint-probe.ts over `count` calls after
 * as many to warm up. Both drive CPU time and, unlike it, hardly move between runs.
 */
async function footprintOnly(count: number): Promise<void> {
  const upstream = await startChild(here('./bench/upstream.js'));
  const dir = mkdtempSync(join(tmpdir(), 'llmgw-footprint-'));
  const probe = ['--import', here('./bench/footprint-probe.js')];
  const bareOut = join(dir, 'bare.json');
  const gatewayOut = join(dir, 'gateway.json');
  const bareProxy = await startChild(here('./bench/bare-proxy.js'), [String(upstream.port)], { FOOTPRINT_OUT: bareOut }, probe);
  const gateway = await startChild(
    here('../src/main.js'),
    [],
    { ...baseGatewayEnv(upstream.port), METRICS_TOKEN: 'sk-bench-metrics-token', OPENAI_API_KEYS: TEN_KEYS, FOOTPRINT_OUT: gatewayOut },
    [...startFlags(), ...probe],
  );
  const targets = [
    { target: { name: 'bare proxy', port: bareProxy.port, pid: bareProxy.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) }, child: bareProxy.child, out: bareOut },
    { target: { name: 'gateway', port: gateway.port, pid: gateway.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) }, child: gateway.child, out: gatewayOut },
  ];
  for (const [name, body] of [['non-stream', chatBody], ['stream', streamBody]] as const) {
    const counted: { promises: number; allocatedBytes: number }[] = [];
    for (const { target, child, out } of targets) {
      await callsInParallel(target, body, count);
      rmSync(out, { force: true });
      child.kill('SIGUSR2');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await callsInParallel(target, body, count);
      child.kill('SIGUSR2');
      const givenUpAt = Date.now() + 10_000;
      while (!existsSync(out)) {
        if (Date.now() > givenUpAt) throw new Error(`${target.name}: the footprint probe wrote nothing to ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      counted.push(JSON.parse(readFileSync(out, 'utf8')) as { promises: number; allocatedBytes: number });
    }
    const [bare, gatewayCounts] = counted.map((each) => ({ promises: each.promises / count, kilobytes: each.allocatedBytes / count / 1024 }));
    console.log(
      `${name}: per call, bare proxy ${bare!.promises.toFixed(1)} promises and ${bare!.kilobytes.toFixed(1)} KB allocated, ` +
        `gateway ${gatewayCounts!.promises.toFixed(1)} promises and ${gatewayCounts!.kilobytes.toFixed(1)} KB`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

/** BENCH_ONLY=responses: the upstream, the bare proxy and the gateway with its 10-key pool, and the Responses measure. */
async function responsesOnly(seconds: number, latencyCount: number, rounds: number): Promise<void> {
  const upstream = await startChild(here('./bench/upstream.js'));
  const bareProxy = await startChild(here('./bench/bare-proxy.js'), [String(upstream.port)]);
  const gateway = await startChild(
    here('../src/main.js'),
    [],
    { ...baseGatewayEnv(upstream.port), OPENAI_API_KEYS: TEN_KEYS },
    startFlags(),
  );
  const targets: Target[] = [
    { name: 'direct', port: upstream.port, pid: upstream.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    { name: 'bare proxy', port: bareProxy.port, pid: bareProxy.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
    { name: 'gateway', port: gateway.port, pid: gateway.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) },
  ];
  await responsesPassthroughMeasure(targets, rounds, seconds, latencyCount);
}

/**
 * BENCH_ONLY=console: non-stream throughput at c=64 with and without an operator's dashboard open, in alternating
 * rounds. The open dashboard loads /admin and then polls what the page polls (timeline, health, key pools) every
 * second: five times the page's own rate, to err on the side of showing a cost.
 */
async function consoleOnly(seconds: number, rounds: number): Promise<void> {
  const admin = 'sk-bench-admin-token-0000000000';
  const upstream = await startChild(here('./bench/upstream.js'));
  const gateway = await startChild(
    here('../src/main.js'),
    [],
    { ...baseGatewayEnv(upstream.port), AUTH_TOKEN: admin, OPENAI_API_KEYS: TEN_KEYS },
    startFlags(),
  );
  const target: Target = { name: 'gateway', port: gateway.port, pid: gateway.pid, agent: new Agent({ keepAlive: true, maxSockets: 64 }) };
  const base = `http://127.0.0.1:${gateway.port}`;
  const get = (path: string, auth = true) => fetch(`${base}${path}`, { headers: auth ? { authorization: `Bearer ${admin}` } : {} }).then((response) => response.arrayBuffer());
  const poll = () => Promise.all([get('/admin/api/usage/timeline?span=hour'), get('/health', false), get('/admin/api/upstream-keys')]);
  await throughput(target, chatBody, 64, 1);
  const quiet: number[] = [];
  const open: number[] = [];
  for (let round = 0; round < rounds; round++) {
    quiet.push((await throughput(target, chatBody, 64, seconds)).rps);
    await get('/admin', false);
    await poll();
    const timer = setInterval(() => void poll(), 1000);
    try {
      open.push((await throughput(target, chatBody, 64, seconds)).rps);
    } finally {
      clearInterval(timer);
    }
  }
  const quietRps = median(quiet);
  const openRps = median(open);
  console.log(`non-stream req/s at c=64, median of ${rounds} rounds: ${quietRps.toFixed(0)} without the dashboard, ${openRps.toFixed(0)} with it open (polling every second)`);
  console.log(`change with the dashboard open: ${(((openRps - quietRps) / quietRps) * 100).toFixed(2)} % (target: less than 2 %)`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(killChildren);
