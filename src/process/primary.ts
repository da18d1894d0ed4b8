import cluster, { type Worker } from 'node:cluster';
import type { GatewayConfig } from '../config/load.js';
import { exitAfterLogs, type Logger } from '../logging/logger.js';

/** A worker that dies sooner than this after it started counts as a crash in a row (the restart waits longer). */
const STABLE_AFTER_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** Beyond the workers' own grace period, how long the primary waits before it kills those still running. */
const KILL_MARGIN_MS = 5_000;

/** Restart delay after `crashes` short-lived workers in a row: none after a worker that ran a while, then doubling. */
export function restartDelayMs(crashes: number): number {
  return crashes === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (crashes - 1));
}

/**
 * The cluster primary: it serves nothing itself (no gateway, no Koa), it keeps `config.workers` workers on the
 * port. A worker that dies is replaced (with a growing delay when they keep dying young); SIGTERM/SIGINT drain
 * every worker and exit once all have; SIGHUP is passed to each worker, which reads the config file again;
 * SIGUSR2 replaces the workers one at a time, each new one listening before the old one drains, so no call is
 * refused.
 */
export function runPrimary(config: GatewayConfig, logger: Logger): void {
  const metricsPort = config.metrics.port;
  if (metricsPort !== undefined || config.metrics.token !== undefined) {
    void (async () => {
      const { answerWorkersAskingForMetrics, clusterMetricsText, listenForMetrics } = await import('../metrics/metrics-server.js');
      const summed = await clusterMetricsText();
      // The workers' `/metrics` on the main port (METRICS_TOKEN) is answered with these sums too.
      answerWorkersAskingForMetrics(summed);
      if (metricsPort === undefined) return;
      const { port } = await listenForMetrics(summed, metricsPort, config.metrics.host);
      logger.info({ host: config.metrics.host, port }, 'metrics listening (GET /metrics, every worker summed)');
    })().catch((error: unknown) => {
      logger.fatal({ error: error instanceof Error ? error.message : String(error) }, 'the metrics port could not be opened');
      exitAfterLogs(logger, 1);
    });
  }
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  /** Workers told to drain: their exit is expected. */
  const retiring = new Set<Worker>();
  /** New workers of a rolling restart until they listen: one that fails ends the roll, the old one stays. */
  const trial = new Set<Worker>();
  let crashes = 0;
  let anyListened = false;
  let stopping = false;
  let rolling = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    startedAt.set(worker, Date.now());
    return worker;
  };
  const serving = () => [...startedAt.keys()].filter((worker) => !retiring.has(worker));
  const drain = (worker: Worker) => {
    retiring.add(worker);
    worker.process.kill('SIGTERM');
  };

  cluster.on('listening', (worker, address) => {
    listening.add(worker);
    trial.delete(worker);
    logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'worker listening');
    if (!anyListened && listening.size === config.workers) {
      anyListened = true;
      logger.info({ workers: config.workers, host: config.host, port: address.port }, 'workers listening');
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? Date.now());
    const expected = stopping || retiring.has(worker) || trial.has(worker);
    startedAt.delete(worker);
    listening.delete(worker);
    retiring.delete(worker);
    trial.delete(worker);
    if (stopping) {
      if (startedAt.size === 0) {
        logger.info('all workers stopped: shutdown complete');
        exitAfterLogs(logger, 0);
      }
      return;
    }
    if (expected) return;
    if (!anyListened) {
      // The first workers cannot start (the port is taken, say): restarting them would only fail again.
      logger.fatal({ worker: worker.id, code, signal }, 'a worker exited before the gateway was listening: stopping');
      stopping = true;
      for (const other of startedAt.keys()) other.process.kill('SIGTERM');
      process.exitCode = 1;
      if (startedAt.size === 0) exitAfterLogs(logger, 1);
      return;
    }
    crashes = lived < STABLE_AFTER_MS ? crashes + 1 : 0;
    const delay = restartDelayMs(crashes);
    logger.error({ worker: worker.id, workerPid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited: starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, delay);
  });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: startedAt.size }, 'draining the workers');
    if (startedAt.size === 0) exitAfterLogs(logger, 0);
    for (const worker of startedAt.keys()) worker.process.kill('SIGTERM');
    setTimeout(() => {
      logger.warn({ workers: startedAt.size }, 'workers still running after the grace period: killing them');
      for (const worker of startedAt.keys()) worker.process.kill('SIGKILL');
    }, config.shutdownGraceMs + KILL_MARGIN_MS).unref();
  };

  const rollingRestart = async () => {
    if (rolling || stopping) return;
    rolling = true;
    logger.info({ workers: serving().length }, 'SIGUSR2: replacing the workers one at a time');
    try {
      for (const old of serving()) {
        if (stopping) return;
        const fresh = fork();
        trial.add(fresh);
        const ready = await new Promise<boolean>((resolve) => {
          fresh.once('listening', () => resolve(true));
          fresh.once('exit', () => resolve(false));
        });
        if (!ready) {
          logger.error({ worker: fresh.id }, 'the new worker did not start: the rolling restart stops here');
          return;
        }
        if (!startedAt.has(old)) continue;
        const exited = new Promise((resolve) => old.once('exit', resolve));
        drain(old);
        await exited;
      }
      logger.info('rolling restart complete');
    } finally {
      rolling = false;
    }
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    logger.info({ workers: startedAt.size }, 'SIGHUP: passed to every worker');
    for (const worker of serving()) worker.process.kill('SIGHUP');
  });
  process.on('SIGUSR2', () => void rollingRestart());

  logger.info({ workers: config.workers }, 'starting the workers');
  for (let index = 0; index < config.workers; index++) fork();
}
