import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN_SCRIPT = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  /** Parsed JSON log lines seen on stdout so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Runs the compiled gateway (`npm start`'s command) as a child process with exactly `env` (plus PATH), waits for
 * its `ready` line ("gateway listening"; with WORKERS, the primary's "workers listening") and returns its URL.
 */
export async function spawnGateway(env: Record<string, string>, cwd?: string, ready = 'gateway listening'): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN_SCRIPT], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === ready) resolve(`http://127.0.0.1:${String(entry.port)}`);
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    url,
    logs,
    stderr: () => stderr,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs the gateway expecting it to refuse to start; returns its exit code, stdout and stderr. */
export function runGatewayToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN_SCRIPT], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A streamed chat through a gateway process, once its first chunk has arrived; `rest()` reads it to its end. */
export async function openStream(url: string, token: string): Promise<{ rest(): Promise<string> }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true }),
  });
  const reader = response.body!.getReader();
  await reader.read();
  return {
    rest: async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += Buffer.from(value).toString('utf8');
      }
    },
  };
}
