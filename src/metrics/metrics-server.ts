import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the metrics text comes from: this process's metrics, or under WORKERS every worker's, summed by the primary. */
export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

/** The cluster's metrics, asked of every worker over IPC and summed; only in the primary of WORKERS. */
export async function clusterMetricsText(): Promise<MetricsText> {
  const { AggregatorRegistry } = await import('prom-client');
  const aggregator = new AggregatorRegistry();
  return { contentType: aggregator.contentType, text: () => aggregator.clusterMetrics() };
}

const ASK = 'llm-gateway:cluster-metrics?';
const ANSWER = 'llm-gateway:cluster-metrics!';

interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary of WORKERS: answers a worker asking for the cluster's metrics (for `/metrics` on the main port). */
export function answerWorkersAskingForMetrics(summed: MetricsText): void {
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== ASK || typeof message.id !== 'number') return;
    const id = message.id;
    const send = (answer: MetricsAnswer) => {
      if (worker.isConnected()) worker.send(answer);
    };
    summed.text().then(
      (text) => send({ type: ANSWER, id, text }),
      (error: unknown) => send({ type: ANSWER, id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * In a worker of WORKERS: the cluster's metrics, asked of the primary over IPC, so that `/metrics` on the main port
 * gives the same sums whichever worker took the connection.
 */
export function metricsOfTheCluster(own: MetricsText, timeoutMs = 10_000): MetricsText {
  let lastId = 0;
  return {
    contentType: own.contentType,
    text: () =>
      new Promise<string>((resolve, reject) => {
        const id = ++lastId;
        const onMessage = (message: MetricsAnswer) => {
          if (message?.type !== ANSWER || message.id !== id) return;
          settle();
          if (message.text !== undefined) resolve(message.text);
          else reject(new Error(message.error ?? 'the primary sent no metrics'));
        };
        const timer = setTimeout(() => {
          settle();
          reject(new Error('the primary did not send the metrics in time'));
        }, timeoutMs);
        const settle = () => {
          clearTimeout(timer);
          process.off('message', onMessage);
        };
        process.on('message', onMessage);
        process.send!({ type: ASK, id });
      }),
  };
}

/**
 * `GET /metrics` on a port of its own (METRICS_PORT), without a token: it listens on loopback unless METRICS_HOST
 * says otherwise, so only the machine (or its scraper sidecar) reaches it. Everything else answers 404.
 */
export async function listenForMetrics(metrics: MetricsText, port: number, host: string): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: { message: `Unknown route ${request.method ?? ''} ${path ?? ''}: this port serves GET /metrics only.`, type: 'invalid_request_error', param: null, code: 'unknown_route' } }));
      return;
    }
    metrics.text().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': metrics.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => {
        response.writeHead(500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'The metrics could not be collected.', type: 'server_error', param: null, code: null } }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, port: (server.address() as AddressInfo).port };
}
