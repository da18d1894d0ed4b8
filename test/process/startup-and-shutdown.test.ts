import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { openStream, runGatewayToExit, spawnGateway } from '../helpers/process.js';

let upstream: FakeOpenAIUpstream;

test.before(async () => {
  upstream = await new FakeOpenAIUpstream().start();
});

test.after.always(async () => {
  await upstream?.stop();
});

const TOKEN = 'sk-process-test-token-0001';

test('a bad configuration stops the process with one line naming the variable', async (t) => {
  const result = await runGatewayToExit({ PORT: 'eighty', TIME_OUT: '30' });
  t.is(result.code, 1);
  t.is(result.stderr, 'invalid configuration: PORT: expected a whole number between 0 and 65535\n');
  t.is(result.stdout, '');
});

test('an ENV_FILE that cannot be read stops the process instead of starting it without that file', async (t) => {
  const result = await runGatewayToExit({ ENV_FILE: '/nonexistent/gateway.env' });
  t.is(result.code, 1);
  t.is(result.stderr, 'ENV_FILE: cannot read /nonexistent/gateway.env (ENOENT)\n');
});

test('.env in the working directory is read, and the environment wins over it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-dotenv-'));
  writeFileSync(join(dir, '.env'), `ALLOWED_TOKENS=["${TOKEN}"]\nOPENAI_API_KEY=sk-from-dotenv-000000001\nOPENAI_BASE_URL=http://127.0.0.1:9/v1\nLOG_LEVEL=debug\n`);
  const gateway = await spawnGateway({ OPENAI_BASE_URL: upstream.url, LOG_LEVEL: 'info' }, dir);
  try {
    const unauthorised = await fetch(`${gateway.url}/v1/models`);
    t.is(unauthorised.status, 401);
    const models = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${TOKEN}` } });
    t.is(models.status, 200);
    t.is(upstream.last.headers.authorization, 'Bearer sk-from-dotenv-000000001');
    t.false(gateway.logs.some((line) => line.level === 'debug'));
  } finally {
    await gateway.stop();
  }
});

test('with no tokens the gateway warns and listens on loopback only', async (t) => {
  const gateway = await spawnGateway({});
  try {
    const listening = gateway.logs.find((line) => line.msg === 'gateway listening');
    t.is(listening?.host, '127.0.0.1');
    t.true(gateway.logs.some((line) => line.level === 'warn' && /open and listens on 127\.0\.0\.1 only/.test(String(line.msg))));
    t.is((await fetch(`${gateway.url}/health`)).status, 200);
  } finally {
    await gateway.stop();
  }
});

test('with no tokens and HOST set it listens there and warns that it is open', async (t) => {
  const gateway = await spawnGateway({ HOST: '127.0.0.1' });
  try {
    t.true(gateway.logs.some((line) => line.level === 'warn' && /OPEN to anyone/.test(String(line.msg))));
  } finally {
    await gateway.stop();
  }
});

const canConnect = (url: string) =>
  new Promise<boolean>((resolve) => {
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

test.serial('SIGTERM lets an in-flight stream finish, refuses new connections, then exits 0', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'one two three four five six seven eight', chunkDelayMs: 150 });
  const gateway = await spawnGateway({ ALLOWED_TOKENS: TOKEN, OPENAI_API_KEY: 'sk-shutdown-0000000001', OPENAI_BASE_URL: upstream.url });
  try {
    const stream = await openStream(gateway.url, TOKEN);
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.false(await canConnect(gateway.url), 'new connections are refused');
    const text = await stream.rest();
    t.true(text.endsWith('data: [DONE]\n\n'), 'the stream finished normally');
    t.is(await gateway.exited, 0);
    t.true(gateway.logs.some((line) => line.msg === 'shutdown complete'));
  } finally {
    upstream.script = () => undefined;
    await gateway.stop();
  }
});

test.serial('a connection accepted just before SIGTERM, its request still on the way, gets its answer', async (t) => {
  const gateway = await spawnGateway({ ALLOWED_TOKENS: TOKEN, OPENAI_API_KEY: 'sk-shutdown-0000000003', OPENAI_BASE_URL: upstream.url });
  try {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    // Give the gateway a moment to accept the connection, then signal before the request arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    if (!socket.destroyed) {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    await closed;
    t.regex(answer, /^HTTP\/1\.1 200 /, 'answered, not dropped as an idle connection');
    t.regex(answer, /\r\nConnection: close\r\n/i, 'and told not to come back');
    t.is(await gateway.exited, 0);
  } finally {
    await gateway.stop();
  }
});

test.serial('the last log lines are all written, in order, before the process exits', async (t) => {
  const gateway = await spawnGateway({ ALLOWED_TOKENS: TOKEN, OPENAI_API_KEY: 'sk-shutdown-0000000002', OPENAI_BASE_URL: upstream.url });
  const ended = new Promise((resolve) => gateway.child.stdout!.once('end', resolve));
  try {
    // A burst of calls right before the signal, so their access-log lines are still being written at exit.
    const calls = 40;
    await Promise.all(
      Array.from({ length: calls }, () =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
        }).then((response) => response.text()),
      ),
    );
    gateway.child.kill('SIGTERM');
    t.is(await gateway.exited, 0);
    await ended;
    const messages = gateway.logs.map((line) => line.msg);
    t.is(gateway.logs.filter((line) => line.path === '/v1/chat/completions').length, calls, 'every access-log line was written');
    const down = messages.indexOf('shutting down');
    t.true(down > 0, 'the shutdown is logged');
    t.is(messages.at(-1), 'shutdown complete', 'the last line written is the last line logged');
    t.true(messages.slice(0, down).every((message) => message !== 'shutdown complete'), 'in order');
    const times = gateway.logs.map((line) => Date.parse(String(line.time)));
    t.true(times.every((time, index) => index === 0 || time >= times[index - 1]!), 'lines in the order they were logged');
  } finally {
    await gateway.stop();
  }
});

test.serial('a stream still running when the grace period ends is cut off and the process exits', async (t) => {
  upstream.script = () => ({ kind: 'reply', text: 'never finishes', hangAfterChunks: 2 }); // the role chunk, then one with text: the gateway holds a stream until it has substance
  const gateway = await spawnGateway({
    ALLOWED_TOKENS: TOKEN,
    OPENAI_API_KEY: 'sk-shutdown-0000000002',
    OPENAI_BASE_URL: upstream.url,
    SHUTDOWN_GRACE_SECONDS: '0.5',
  });
  try {
    const stream = await openStream(gateway.url, TOKEN);
    gateway.child.kill('SIGTERM');
    const text = await stream.rest().catch(() => '');
    t.false(text.includes('[DONE]'), 'the stream ended without its end marker');
    t.is(await gateway.exited, 0);
  } finally {
    upstream.script = () => undefined;
    await gateway.stop();
  }
});
