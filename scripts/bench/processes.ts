/** Child processes for the benchmark and the soak: started, found listening, measured, and killed at the end. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const children: ChildProcess[] = [];

/** CPU time (user + system) a process has used, in ms; undefined where /proc is not available. */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ = 100 on Linux)
  } catch {
    return undefined;
  }
}

/** The Node flags `npm start` runs the gateway with, so that the gateway measured is the one users run. */
export function startFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { scripts: { start: string } };
  const command = /^node((?:\s+--\S+)*)\s+dist\/src\/main\.js$/.exec(scripts.start);
  if (!command) throw new Error(`package.json: the start script is not "node [flags] dist/src/main.js": ${scripts.start}`);
  return command[1]!.trim().split(/\s+/).filter(Boolean);
}

/**
 * The cores the benchmark pins its processes to (`taskset`), so that the proxies compared never share a core with
 * the load or the upstream, and each runs on the same core as the other: `measured` for the proxies under test,
 * `load` for the upstream and the benchmark's own client. Undefined (no pinning) with BENCH_PIN=0, on a single
 * core, or where taskset is missing.
 */
export function benchCores(): { measured: string; load: string } | undefined {
  const cores = availableParallelism();
  if (process.env.BENCH_PIN === '0' || cores < 2 || !existsSync('/usr/bin/taskset')) return undefined;
  return { measured: String(cores - 1), load: cores === 2 ? '0' : `0-${cores - 2}` };
}

/** Pins this process (the benchmark's load) to `cores`. */
export function pinSelf(cores: string): void {
  spawnSync('/usr/bin/taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

export function startChild(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
  cores?: string,
): Promise<{ port: number; pid: number | undefined; child: ChildProcess }> {
  // taskset execs the command: the child's pid stays the one whose CPU time is read.
  const command = [process.execPath, ...nodeFlags, script, ...args];
  const child = cores === undefined
    ? spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
    : spawn('/usr/bin/taskset', ['-c', cores, ...command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const port = /^(\d+)\n/.exec(output);
      if (port) resolve({ port: Number(port[1]), pid: child.pid, child });
      const listening = /"msg":"gateway listening"/.test(output) ? /"port":(\d+)/.exec(output) : null;
      if (listening) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ port: Number(listening[1]), pid: child.pid, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

