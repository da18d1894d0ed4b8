import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/load.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';
import { createLogger } from '../../src/logging/logger.js';

export interface RunningGateway {
  /** http://127.0.0.1:port */
  url: string;
  /** What an OpenAI client uses as base URL: `${url}/v1`. */
  baseURL: string;
  gateway: Gateway;
  server: Server;
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Every log line as written, for searching for secrets. */
  rawLogs: string[];
  client(token?: string): OpenAI;
  /** Makes every upstream key usable again (through the operator API), so one test's failures do not leak. */
  resetKeys(): Promise<void>;
  close(): Promise<void>;
}

export const CLIENT_TOKEN = 'sk-client-token-for-tests-0001';

/**
 * Starts the real gateway in this process on a loopback port, configured from `env` exactly as `npm start` would
 * be from the environment, with its logs captured.
 */
export async function startGateway(env: Record<string, string>): Promise<RunningGateway> {
  const config = loadConfig({ ALLOWED_TOKENS: CLIENT_TOKEN, LOG_LEVEL: 'info', ...env }, PROVIDER_DEFINITIONS);
  const rawLogs: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.logLevel, {
    write(line: string) {
      rawLogs.push(line);
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const gateway = await createGateway(config, logger);
  const server = createServer(gateway.app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    gateway,
    server,
    logs,
    rawLogs,
    client: (token = CLIENT_TOKEN) => new OpenAI({ apiKey: token, baseURL: `${url}/v1`, maxRetries: 0, timeout: 20_000 }),
    resetKeys: async () => {
      const response = await fetch(`${url}/admin/api/upstream-keys/_reset`, {
        method: 'POST',
        headers: { authorization: `Bearer ${config.auth.adminToken ?? ''}` },
      });
      if (!response.ok) throw new Error(`resetting keys failed: ${response.status} ${await response.text()}`);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
    },
  };
}

/** Starts `fake` and a gateway in front of it configured by `env(fake)`; both stop when the test ends. */
export async function gatewayInFrontOf<Fake extends { start(): Promise<unknown>; stop(): Promise<void> }>(
  t: ExecutionContext,
  fake: Fake,
  env: (fake: Fake) => Record<string, string>,
): Promise<{ fake: Fake; gw: RunningGateway }> {
  await fake.start();
  const gw = await startGateway(env(fake));
  t.teardown(async () => {
    await gw.close();
    await fake.stop();
  });
  return { fake, gw };
}

/** Reads an SSE response body to the end and returns its raw text. */
export async function readAll(response: Response): Promise<string> {
  return await response.text();
}
