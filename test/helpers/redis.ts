import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The Redis the machine runs for tests (CI starts it when it is down). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test run uses, so tests share the Redis without seeing each other's state. */
export const uniquePrefix = (): string => `llmgw-test-${randomUUID().slice(0, 8)}:`;

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server of its own (nothing on disk), for tests that stop and restart Redis. */
export class OwnRedisServer {
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** False when the machine has no redis-server to start (the tests that need one then skip, saying why). */
  static available(): boolean {
    return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  }

  /** `extraArgs` are more redis-server options, e.g. `['--maxmemory', '1mb']`. */
  static async start(extraArgs: readonly string[] = []): Promise<OwnRedisServer> {
    const server = new OwnRedisServer(await freePort(), extraArgs);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 100; attempt++) {
      const redis = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, enableOfflineQueue: false });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        await redis.ping();
        redis.disconnect();
        return;
      } catch {
        redis.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    // A child killed by a signal keeps exitCode null and has signalCode set instead.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** A connection to the test Redis and a fresh key prefix, both cleaned up when the test ends. */
export function redisForTest(t: { teardown: (fn: () => unknown) => void }): { redis: Redis; prefix: string } {
  const prefix = uniquePrefix();
  const redis = new Redis(TEST_REDIS_URL);
  t.teardown(async () => {
    redis.disconnect();
    await deleteKeys(TEST_REDIS_URL, prefix);
  });
  return { redis, prefix };
}
