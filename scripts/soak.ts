/**
 * `npm run soak`: steady mixed traffic against the gateway (`npm start`'s build, in its own process) in front of a
 * fake upstream, at a fixed rate for a fixed time: chat JSON and streams (some asking for usage), embeddings,
 * clients that leave mid-stream, upstream 500s and 429s retried on another key, and streams the upstream cuts.
 * Every sample interval it prints the gateway's RSS, heap (from /metrics when the gateway serves it), open file
 * descriptors (sockets included) and the interval's latency and outcomes; at the end a verdict: after warm-up, RSS
 * grows by less than 5 % and no descriptor leaks. The gateway's logs are kept small enough to fill during the warm-up.
 * Settings: SOAK_SECONDS (600), SOAK_RATE calls per second (100), SOAK_SAMPLE_SECONDS (10), SOAK_WARMUP_SECONDS (60).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { killChildren, percentile, startChild, startFlags } from './bench/processes.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = 'sk-soak-client-token-000000000';
const METRICS_TOKEN = 'sk-soak-metrics-token-00000000';

const seconds = Number(process.env.SOAK_SECONDS ?? 600);
const rate = Number(process.env.SOAK_RATE ?? 100);
const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10);
const warmupSeconds = Number(process.env.SOAK_WARMUP_SECONDS ?? Math.min(60, seconds / 5));
/** Beyond this many calls in flight the gateway is not keeping up: new calls are counted as skipped, not sent. */
const MAX_IN_FLIGHT = 1_000;

type Kind = 'json' | 'stream' | 'stream-usage' | 'embeddings' | 'abort' | 'retried-500' | 'retried-429' | 'cut';

/** The traffic mix: each kind's share of the calls. */
const MIX: [Kind, number][] = [
  ['json', 45],
  ['stream', 15],
  ['stream-usage', 10],
  ['embeddings', 10],
  ['abort', 5],
  ['retried-500', 5],
  ['retried-429', 2],
  ['cut', 8],
];
const MIX_TOTAL = MIX.reduce((sum, [, share]) => sum + share, 0);

function pickKind(index: number): Kind {
  let slot = (index * 37) % MIX_TOTAL;
  for (const [kind, share] of MIX) {
    if (slot < share) return kind;
    slot -= share;
  }
  return 'json';
}

function bodyOf(kind: Kind, index: number): { path: string; body: string } {
  const chat = (content: string, extra: Record<string, unknown> = {}) => ({
    path: '/v1/chat/completions',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }),
  });
  switch (kind) {
    case 'json':
      return chat(`question ${index}`);
    case 'stream':
    case 'abort':
      return chat(`stream ${index}`, { stream: true });
    case 'stream-usage':
      return chat(`stream ${index}`, { stream: true, stream_options: { include_usage: true } });
    case 'embeddings':
      return { path: '/v1/embeddings', body: JSON.stringify({ model: 'text-embedding-3-small', input: `text ${index}` }) };
    case 'retried-500':
      return chat(`fault:500:c${index}`);
    case 'retried-429':
      return chat(`fault:429:c${index}`);
    case 'cut':
      return chat(`fault:cut ${index}`, { stream: true });
  }
}

/** What a call's outcome was, judged against what its kind should give. */
type Outcome = 'ok' | 'expected-error' | 'unexpected';

function judge(kind: Kind, status: number, text: string): Outcome {
  if (kind === 'cut') return status === 200 && text.includes('"error"') && !text.includes('[DONE]') ? 'expected-error' : 'unexpected';
  if (status !== 200) return 'unexpected';
  if (kind.startsWith('stream')) return text.endsWith('data: [DONE]\n\n') ? 'ok' : 'unexpected';
  return 'ok';
}

interface Interval {
  latencies: number[];
  outcomes: Record<Outcome | 'aborted' | 'skipped', number>;
}

const newInterval = (): Interval => ({ latencies: [], outcomes: { ok: 0, 'expected-error': 0, unexpected: 0, aborted: 0, skipped: 0 } });

async function main(): Promise<void> {
  const upstream = await startChild(here('./soak/upstream.js'));
  const keys = JSON.stringify(Array.from({ length: 20 }, (_, index) => `sk-soak-upstream-key-${index}-000000`));
  const gateway = await startChild(
    here('../src/main.js'),
    [],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      ALLOWED_TOKENS: TOKEN,
      METRICS_TOKEN,
      OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`,
      OPENAI_API_KEYS: keys,
      LOG_LEVEL: 'info',
      // The request and error logs are bounded (LOG_MAX_RECORDS, 50,000 by default, which at 100 calls/s fill
      // only after eight minutes): kept small here, they fill during the warm-up, so growth after it is a leak.
      LOG_MAX_RECORDS: String(Math.max(100, Math.round((rate * warmupSeconds) / 50))),
    },
    startFlags(),
  );
  let gatewayExit: string | undefined;
  gateway.child.once('exit', (code, signal) => (gatewayExit = `the gateway exited (${code ?? signal})`));
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let interval = newInterval();
  let inFlight = 0;
  const unexpectedKinds = new Map<string, number>();

  const send = (index: number) => {
    const kind = pickKind(index);
    if (inFlight >= MAX_IN_FLIGHT) {
      interval.outcomes.skipped += 1;
      return;
    }
    inFlight += 1;
    const { path, body } = bodyOf(kind, index);
    const started = performance.now();
    const finish = (outcome: Outcome | 'aborted', status?: number) => {
      inFlight -= 1;
      interval.outcomes[outcome] += 1;
      if (outcome === 'unexpected') unexpectedKinds.set(`${kind} (${status ?? 'no answer'})`, (unexpectedKinds.get(`${kind} (${status ?? 'no answer'})`) ?? 0) + 1);
      if (outcome === 'ok' && kind === 'json') interval.latencies.push(performance.now() - started);
    };
    const req = request(
      { host: '127.0.0.1', port: gateway.port, method: 'POST', path, agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => {
          text += part;
          if (kind === 'abort' && text.includes('word2')) {
            req.destroy();
            finish('aborted');
          }
        });
        res.on('end', () => {
          if (!req.destroyed || kind !== 'abort') finish(judge(kind, res.statusCode ?? 0, text), res.statusCode);
        });
        res.on('error', () => undefined);
      },
    );
    req.on('error', () => {
      if (kind !== 'abort') finish('unexpected');
    });
    req.end(body);
  };

  console.log(`soak: ${rate} calls/s for ${seconds} s, samples every ${sampleSeconds} s, warm-up ${warmupSeconds} s`);
  console.log(`${'t (s)'.padStart(6)}${['RSS MB', 'heap MB', 'fds', 'p50 ms', 'p99 ms', 'ok', 'exp.err', 'aborted', 'skipped', 'UNEXP.'].map((name) => name.padStart(9)).join('')}`);
  const samples: { t: number; rss: number; fds: number }[] = [];
  const start = performance.now();
  let sent = 0;
  const ticker = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) send(sent++);
  }, 10);
  let unexpected = 0;
  for (let t = sampleSeconds; t <= seconds && !gatewayExit; t += sampleSeconds) {
    await new Promise((resolve) => setTimeout(resolve, start + t * 1000 - performance.now()));
    const done = interval;
    interval = newInterval();
    unexpected += done.outcomes.unexpected;
    const rss = residentMb(gateway.pid!);
    const fds = openDescriptors(gateway.pid!);
    const heap = await heapUsedMb(gateway.port);
    samples.push({ t, rss, fds });
    const sorted = done.latencies.sort((a, b) => a - b);
    const cells = [rss.toFixed(1), heap === undefined ? '-' : heap.toFixed(1), String(fds), percentile(sorted, 50).toFixed(2), percentile(sorted, 99).toFixed(2)];
    const counts = [done.outcomes.ok, done.outcomes['expected-error'], done.outcomes.aborted, done.outcomes.skipped, done.outcomes.unexpected].map(String);
    console.log(`${String(t).padStart(6)}${[...cells, ...counts].map((cell) => cell.padStart(9)).join('')}`);
  }
  clearInterval(ticker);

  const settled = samples.filter((sample) => sample.t > warmupSeconds);
  const verdicts: string[] = [];
  if (gatewayExit) verdicts.push(gatewayExit);
  if (settled.length < 2) verdicts.push('too short to judge: run longer than the warm-up plus two samples');
  else {
    const mean = (part: typeof settled) => part.reduce((sum, sample) => sum + sample.rss, 0) / part.length;
    const width = Math.min(3, Math.floor(settled.length / 2));
    const first = mean(settled.slice(0, width));
    const last = mean(settled.slice(-width));
    const growth = ((last - first) / first) * 100;
    console.log(`RSS after warm-up: ${first.toFixed(1)} MB → ${last.toFixed(1)} MB (${growth.toFixed(2)} %, limit 5 %)`);
    if (growth >= 5) verdicts.push(`RSS grew ${growth.toFixed(2)} %`);
    const fdFirst = settled[0]!.fds;
    const fdLast = settled.at(-1)!.fds;
    console.log(`open descriptors after warm-up: ${fdFirst} → ${fdLast}`);
    // Keep-alive sockets come and go with the traffic; a leak grows with every call, far beyond this slack.
    if (fdLast > fdFirst + 32) verdicts.push(`descriptors grew from ${fdFirst} to ${fdLast}`);
  }
  if (unexpected > 0) verdicts.push(`${unexpected} calls had an unexpected outcome: ${[...unexpectedKinds].map(([what, count]) => `${count} ${what}`).join(', ')}`);
  console.log(verdicts.length === 0 ? 'verdict: PASS' : `verdict: FAIL (${verdicts.join('; ')})`);
  if (verdicts.length > 0) process.exitCode = 1;
}

function residentMb(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return line ? Number(line[1]) / 1024 : NaN;
}

function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The heap in use, from the gateway's own metrics; undefined when it does not serve them. */
async function heapUsedMb(port: number): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    if (!response.ok) return undefined;
    const line = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await response.text());
    return line ? Number(line[1]) / 1024 / 1024 : undefined;
  } catch {
    return undefined;
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(killChildren);
