import cluster from 'node:cluster';
import { createServer, type RequestListener } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { GatewayConfig } from '../config/load.js';
import { createGateway } from '../gateway.js';
import { exitAfterLogs, type Logger } from '../logging/logger.js';

/** How long a draining process waits for the requests of connections it accepted before it stopped accepting. */
const LAST_REQUEST_WAIT_MS = 250;
/** How long a client may take to send its request headers. */
const HEADERS_TIMEOUT_MS = 60_000;
/** Margin of Node's own request timeout over ours, so ours (in the protocol's shape) answers first. */
const REQUEST_TIMEOUT_MARGIN_MS = 5_000;

/**
 * One process serving the port: alone, or as a worker of the cluster primary (which shares the port between its
 * workers). Builds the gateway, bounds slow clients, listens, and handles the signals: SIGTERM/SIGINT drain and
 * exit, SIGHUP reads the config file again.
 */
export async function serve(config: GatewayConfig, logger: Logger, details: { dotenv: string | null }): Promise<void> {
  // A promise nobody awaited is a bug of ours, but it must not take every call in flight down with the process.
  process.on('unhandledRejection', (reason) => {
    logger.error({ cause: reason instanceof Error ? { name: reason.name, message: reason.message, stack: reason.stack } : { value: String(reason) } }, 'unhandled promise rejection');
  });
  const gateway = await createGateway(config, logger);
  const handle = gateway.app.callback();
  // Which worker answered, when several share the port.
  const workerId = cluster.isWorker ? String(cluster.worker!.id) : undefined;
  const listener: RequestListener = workerId === undefined ? handle : (request, response) => {
    response.setHeader('x-gateway-worker', workerId);
    return handle(request, response);
  };
  const server = createServer(listener);
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  // Node's bound on receiving a whole request (it answers a bare 408) stays behind the gateway's own body timeout,
  // which answers in the protocol's shape, and covers a call's wait for a slot. It never limits the answer, so long
  // streams are bounded by the upstream timeout alone.
  server.requestTimeout =
    config.requestBodyTimeoutMs === 0 ? 0 : HEADERS_TIMEOUT_MS + config.load.maxQueueWaitMs + config.requestBodyTimeoutMs + REQUEST_TIMEOUT_MARGIN_MS;
  server.keepAliveTimeout = 65_000;

  if (config.auth.clientTokens.length === 0) {
    logger.warn(
      config.hostExplicit
        ? `no client tokens configured (ALLOWED_TOKENS): the gateway is OPEN to anyone who can reach ${config.host}:${config.port}`
        : 'no client tokens configured (ALLOWED_TOKENS): the gateway is open and listens on 127.0.0.1 only; set HOST to expose it',
    );
  }
  const providers = [...config.providers, ...(config.routing?.upstreams ?? [])].map((provider) => provider.id);
  if (providers.length === 0) logger.warn('no upstream provider is configured: every model will answer 404');

  server.on('error', (error) => {
    logger.fatal({ error: error.message }, 'server error');
    exitAfterLogs(logger, 1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    logger.info(
      { host: config.host, port: typeof address === 'object' && address ? address.port : config.port, providers, dotenv: details.dotenv },
      'gateway listening',
    );
  });

  // Under WORKERS the primary serves the metrics port, with every worker's metrics.
  if (workerId === undefined) {
    const metricsPort = await gateway.serveMetricsPort().catch((error: unknown) => {
      logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'the metrics port could not be opened');
      exitAfterLogs(logger, 1);
    });
    if (metricsPort !== undefined) logger.info({ host: config.metrics.host, port: metricsPort }, 'metrics listening (GET /metrics)');
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.lifecycle.shuttingDown = true;
    logger.info({ signal, inFlight: gateway.lifecycle.inFlight, graceMs: config.shutdownGraceMs }, 'shutting down');
    // Stops accepting without closing the connections that have no request yet, as http's own close would: one
    // accepted a moment ago (under WORKERS, handed over by the primary just before) has its request on the way.
    NetServer.prototype.close.call(server);
    const forced = setTimeout(() => {
      logger.warn({ inFlight: gateway.lifecycle.inFlight }, 'grace period over: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    forced.unref();
    setTimeout(() => {
      // Answers from now on say `Connection: close`; connections still without a request are let go.
      server.close();
      void gateway.lifecycle.whenIdle().then(async () => {
        server.closeIdleConnections();
        await gateway.close();
        logger.info('shutdown complete');
        exitAfterLogs(logger, 0);
      });
    }, LAST_REQUEST_WAIT_MS);
  };
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reading the config file again');
    void gateway.reloadConfig().catch(() => undefined);
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
