import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, redisCli, stopServers, waitFor } from './redis-cluster.js';

const MASTER_NAME = 'gateway-master';

/**
 * A real Sentinel set on loopback: a master, its replica and one Sentinel watching them (quorum 1), nothing on
 * disk beyond the Sentinel's config file in a temporary folder (deleted by `stop`).
 */
export class OwnRedisSentinel {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly masterPort: number,
    readonly replicaPort: number,
    readonly sentinelPort: number,
    private readonly dir: string,
  ) {}

  /** REDIS_URL naming the master through the Sentinel. */
  get url(): string {
    return `redis+sentinel://127.0.0.1:${this.sentinelPort}/${MASTER_NAME}`;
  }

  /** The port of the server the Sentinel names as master now. */
  masterNow(): number {
    return Number(redisCli(this.sentinelPort, 'sentinel', 'get-master-addr-by-name', MASTER_NAME).split('\n')[1]);
  }

  static async start(): Promise<OwnRedisSentinel> {
    const [master, replica, sentinel] = await freePorts(3);
    const set = new OwnRedisSentinel(master!, replica!, sentinel!, await mkdtemp(join(tmpdir(), 'llmgw-redis-sentinel-')));
    try {
      await set.launch();
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  private server(port: number, ...extra: string[]): void {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', this.dir, ...extra];
    this.children.push(spawn('redis-server', args, { stdio: 'ignore' }));
  }

  private async launch(): Promise<void> {
    this.server(this.masterPort);
    this.server(this.replicaPort, '--replicaof', '127.0.0.1', String(this.masterPort));
    const config = join(this.dir, 'sentinel.conf');
    await writeFile(
      config,
      [
        `port ${this.sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${this.masterPort} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        '',
      ].join('\n'),
    );
    this.children.push(spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' }));
    await waitFor(() => redisCli(this.replicaPort, 'info', 'replication').includes('master_link_status:up'), 'the replica did not connect to its master');
    await waitFor(() => this.masterNow() === this.masterPort, 'the Sentinel does not name the master');
    // A Sentinel finds replicas through the master's INFO, which it reads every 10 s at most.
    await waitFor(() => /\bip\b/.test(redisCli(this.sentinelPort, 'sentinel', 'replicas', MASTER_NAME)), 'the Sentinel did not find the replica', 400);
  }

  /**
   * Promotes the replica: the master's writes are replicated first, then the Sentinel fails over and resolves once
   * it names the replica as master.
   */
  async failover(): Promise<void> {
    redisCli(this.masterPort, 'wait', '1', '2000');
    redisCli(this.sentinelPort, 'sentinel', 'failover', MASTER_NAME);
    await waitFor(() => this.masterNow() === this.replicaPort, 'the Sentinel did not fail over to the replica', 400);
    await waitFor(() => redisCli(this.replicaPort, 'info', 'replication').includes('role:master'), 'the replica did not become master', 400);
  }

  stop(): Promise<void> {
    return stopServers(this.children, this.dir);
  }
}
