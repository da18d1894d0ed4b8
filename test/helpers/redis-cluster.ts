import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';

/** Whether this machine can run a Redis Cluster of its own; CI always can (`.ci/run` runs where redis-server is). */
export const redisServerInstalled = (): boolean => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * A real three-master Redis Cluster on loopback, nothing on disk beyond its node files in a temporary folder
 * (deleted by `stop`). Its ports are picked free together with their cluster bus ports (port + 10000).
 */
export class OwnRedisCluster {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly ports: readonly number[],
    private readonly dir: string,
  ) {}

  /** REDIS_URL naming the cluster. */
  get url(): string {
    return `redis+cluster://${this.ports.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }

  static async start(masters = 3): Promise<OwnRedisCluster> {
    const cluster = new OwnRedisCluster(await freePorts(masters, true), await mkdtemp(join(tmpdir(), 'llmgw-redis-cluster-')));
    try {
      await cluster.launch();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private async launch(): Promise<void> {
    for (const port of this.ports) {
      const args = ['--cluster-enabled', 'yes', '--port', String(port), '--bind', '127.0.0.1', '--cluster-config-file', join(this.dir, `nodes-${port}.conf`)];
      args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir);
      this.children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of this.ports) await waitFor(() => redisCli(port, 'ping') === 'PONG', `redis-server on port ${port} did not start`);
    const nodes = this.ports.map((port) => `127.0.0.1:${port}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    for (const port of this.ports) await waitFor(() => redisCli(port, 'cluster', 'info').includes('cluster_state:ok'), `the cluster did not reach cluster_state:ok on ${port}`);
  }

  stop(): Promise<void> {
    return stopServers(this.children, this.dir);
  }
}

/**
 * Starts a cluster before the file's tests and stops it after them. Where redis-server is absent the file's
 * cluster tests are skipped with one message saying so, except in CI, where that is a failure.
 */
export function clusterForTests(): { cluster: () => OwnRedisCluster; available: boolean } {
  const available = redisServerInstalled();
  let running: OwnRedisCluster | undefined;
  if (!available) {
    if (process.env.CI) test('a Redis Cluster can be started (redis-server must be installed in CI)', (t) => t.fail('redis-server is not installed'));
    else test.skip('Redis Cluster tests skipped: redis-server is not installed on this machine', () => undefined);
    return { cluster: () => running!, available };
  }
  test.before(async () => {
    running = await OwnRedisCluster.start();
  });
  test.after.always(async () => {
    await running?.stop();
  });
  return {
    cluster: () => {
      if (!running) throw new Error('the Redis Cluster has not started');
      return running;
    },
    available,
  };
}

/** Kills the servers started for a test and deletes their folder. */
export async function stopServers(children: readonly ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  await rm(dir, { recursive: true, force: true });
}

export function redisCli(port: number, ...command: string[]): string {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...command], { encoding: 'utf8', timeout: 5000 });
  return result.status === 0 ? result.stdout.trim() : '';
}

export async function waitFor(check: () => boolean, failure: string, attempts = 200): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(failure);
}

/** `count` free ports on loopback, not necessarily consecutive; `withBusPorts`: each with its cluster bus port (+10000) free too. */
export async function freePorts(count: number, withBusPorts = false): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (!withBusPorts || (await isFree(port + 10_000)))) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
