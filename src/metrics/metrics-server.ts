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
