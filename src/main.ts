import cluster from 'node:cluster';
import { applyDotenvFile, ConfigError, loadConfig } from './config/load.js';
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
  if (config.workers > 1 && cluster.isPrimary) {
    // The primary only keeps the workers running; the gateway itself is never loaded into it.
    const { runPrimary } = await import('./process/primary.js');
    runPrimary(config, logger.child({ role: 'primary' }));
    return;
  }
  const { serve } = await import('./process/serve.js');
  await serve(config, cluster.isWorker ? logger.child({ worker: cluster.worker!.id }) : logger, { dotenv: dotenvLoaded ? envFile : null });
}

await start();
