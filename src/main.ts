import { createServer } from 'node:http';
import { applyDotenvFile, ConfigError, loadConfig } from './config/load.js';
import { createGateway } from './gateway.js';
import { PROVIDER_DEFINITIONS } from './providers/registry.js';
import { createLogger } from './logging/logger.js';

async function start(): Promise<void> {
  const envFile = process.env.ENV_FILE ?? '.env';
  let dotenvLoaded = false;
  let config;
  try {
    dotenvLoaded = applyDotenvFile(envFile, process.env, process.env.ENV_FILE !== undefined);
    config = loadConfig(process.env, PROVIDER_DEFINITIONS);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger(config.logLevel);
  // A promise nobody awaited is a bug of ours, but it must not take every call in flight down with the process.
  process.on('unhandledRejection', (reason) => {
    logger.error({ cause: reason instanceof Error ? { name: reason.name, message: reason.message, stack: reason.stack } : { value: String(reason) } }, 'unhandled promise rejection');
  });
  const gateway = await createGateway(config, logger);
  const server = createServer(gateway.app.callback());
  // Streams can be long; the upstream timeout, not Node's default request timeout, bounds them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
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
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    logger.info(
      { host: config.host, port: typeof address === 'object' && address ? address.port : config.port, providers, dotenv: dotenvLoaded ? envFile : null },
      'gateway listening',
    );
  });

  const metricsPort = await gateway.serveMetricsPort().catch((error: unknown) => {
    logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'the metrics port could not be opened');
    process.exit(1);
  });
  if (metricsPort !== undefined) logger.info({ host: config.metrics.host, port: metricsPort }, 'metrics listening (GET /metrics)');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.lifecycle.shuttingDown = true;
    logger.info({ signal, inFlight: gateway.lifecycle.inFlight, graceMs: config.shutdownGraceMs }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    const forced = setTimeout(() => {
      logger.warn({ inFlight: gateway.lifecycle.inFlight }, 'grace period over: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    forced.unref();
    void gateway.lifecycle.whenIdle().then(async () => {
      server.closeIdleConnections();
      await gateway.close();
      logger.info('shutdown complete');
      logger.flush();
      process.exit(0);
    });
  };
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reading the config file again');
    void gateway.reloadConfig().catch(() => undefined);
  });
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await start();
