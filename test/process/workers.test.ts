import test from 'ava';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { bearerKeyOf as keyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { writeConfigFile } from '../helpers/config-file.js';
import { openStream, runGatewayToExit, spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

// WORKERS=2 on Redis: the primary keeps two worker processes on one port. Every call below opens a connection of
// its own, so the primary deals them out to the workers in turn (a kept-alive connection stays with one worker).

const TOKEN = 'sk-workers-client-token-000001';
const K = ['sk-workers-key-one-000000000001', 'sk-workers-key-two-000000000002', 'sk-workers-key-three-00000000003'];

interface Answer {
  status: number;
  worker: string | undefined;
  upstream: string | undefined;
  body: string;
}

/** One call on a fresh connection. */
function call(gateway: GatewayProcess, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      agent: false,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () =>
        resolve({ status: res.statusCode!, worker: res.headers['x-gateway-worker'] as string | undefined, upstream: res.headers['x-gateway-upstream'] as string | undefined, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const chat = (gateway: GatewayProcess, model = 'gpt-4o') => call(gateway, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });

async function chats(gateway: GatewayProcess, count: number, model?: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let index = 0; index < count; index++) answers.push(await chat(gateway, model));
  return answers;
}

const workersOf = (answers: Answer[]) => new Set(answers.map((answer) => answer.worker));
const logged = (gateway: GatewayProcess, msg: string) => gateway.logs.filter((line) => line.msg === msg);

test('WORKERS above 1 without REDIS_URL refuses to start, naming what is missing', async (t) => {
  const result = await runGatewayToExit({ WORKERS: '2' });
  t.is(result.code, 1);
  t.is(
    result.stderr,
    'invalid configuration: WORKERS: 2 processes need REDIS_URL; without Redis each would keep its own key pools, limits, budgets and logs. Set REDIS_URL, or WORKERS=1\n',
  );
  t.is(result.stdout, '');
});

test('WORKERS=2 on Redis: calls land on both workers, share the key pool, survive a killed worker, reload on SIGHUP, roll on SIGUSR2 and drain on SIGTERM', async (t) => {
  const [upstream, a, b] = await Promise.all([new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start(), new FakeOpenAIUpstream().start()]);
  const routed = (target: string) =>
    `upstreams:\n  a: { type: openai-compatible, base_url: "${a.url}", api_keys: [sk-a-key-000000000000001] }\n` +
    `  b: { type: openai-compatible, base_url: "${b.url}", api_keys: [sk-b-key-000000000000001] }\n` +
    `routes:\n  team: { targets: [{ upstream: ${target} }] }\n`;
  const configFile = writeConfigFile(routed('a'));
  const prefix = uniquePrefix();
  const gateway = await spawnGateway(
    {
      WORKERS: '2',
      ALLOWED_TOKENS: TOKEN,
      OPENAI_API_KEYS: JSON.stringify(K),
      OPENAI_BASE_URL: upstream.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      MAX_FAILURES: '1',
      METRICS_PORT: '0',
      METRICS_TOKEN: TOKEN,
      CONFIG_FILE: configFile,
      CONFIG_WATCH_SECONDS: '0',
    },
    undefined,
    'workers listening',
  );
  t.teardown(async () => {
    await gateway.stop();
    await Promise.all([upstream.stop(), a.stop(), b.stop()]);
    await deleteKeys(TEST_REDIS_URL, prefix);
  });

  // Calls land on both workers, and the log lines say which worker wrote them.
  const first = await chats(gateway, 6);
  t.true(first.every((answer) => answer.status === 200));
  t.is(workersOf(first).size, 2, 'both workers answered');
  const completed = logged(gateway, 'request completed');
  t.deepEqual(new Set(completed.map((line) => String(line.worker))), workersOf(first));

  // A key invalidated through one worker is skipped by the other.
  upstream.script = (request) =>
    keyOf(request) === K[1] ? { kind: 'error', status: 401, body: { error: { message: 'revoked', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } : undefined;
  upstream.requests.length = 0;
  for (const answer of await chats(gateway, 3)) t.is(answer.status, 200);
  t.is(upstream.requests.filter((request) => keyOf(request) === K[1]).length, 1, 'retired on its first 401');
  upstream.requests.length = 0;
  const after = await chats(gateway, 6);
  t.true(after.every((answer) => answer.status === 200));
  t.is(workersOf(after).size, 2);
  t.false(upstream.requests.some((request) => keyOf(request) === K[1]), 'neither worker uses it again');

  // METRICS_PORT is served by the primary, with the calls of both workers summed.
  const metricsPort = logged(gateway, 'metrics listening (GET /metrics, every worker summed)')[0]?.port;
  const metrics = await (await fetch(`http://127.0.0.1:${String(metricsPort)}/metrics`)).text();
  const calls = [...metrics.matchAll(/^llm_gateway_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
  t.is(calls, first.length + 3 + after.length, 'every call of both workers counted once');
  // `/metrics` on the main port gives the same sums, whichever worker answers it.
  const scrapes = await Promise.all(Array.from({ length: 6 }, () => call(gateway, '/metrics')));
  t.is(workersOf(scrapes).size, 2, 'both workers answered a scrape');
  for (const scrape of scrapes) {
    t.is(scrape.status, 200);
    t.is([...scrape.body.matchAll(/^llm_gateway_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0), calls);
  }

  // A killed worker loses no call that had not started, and comes back.
  const health = JSON.parse((await call(gateway, '/health')).body) as { worker: { id: number; pid: number } };
  process.kill(health.worker.pid, 'SIGKILL');
  await waitFor(() => logged(gateway, 'worker exited: starting another').length === 1, 'the primary seeing the worker die');
  const whileOneIsDown = await chats(gateway, 4);
  t.deepEqual(whileOneIsDown.map((answer) => answer.status), [200, 200, 200, 200]);
  t.false(workersOf(whileOneIsDown).has(String(health.worker.id)));
  await waitFor(() => logged(gateway, 'worker listening').length === 3, 'a new worker listening', 15_000);
  const restored = await chats(gateway, 4);
  t.is(workersOf(restored).size, 2, 'two workers again');

  // SIGHUP reads the changed config file in every worker.
  t.deepEqual([...new Set((await chats(gateway, 4, 'team')).map((answer) => answer.upstream))], ['a']);
  writeFileSync(configFile, routed('b'));
  gateway.child.kill('SIGHUP');
  await waitFor(() => logged(gateway, 'SIGHUP: reading the config file again').length === 2, 'both workers reading the file');
  await waitFor(async () => (await chats(gateway, 4, 'team')).every((answer) => answer.upstream === 'b'), 'both workers routing to b');

  // SIGUSR2 replaces the workers one at a time while calls keep coming, none refused.
  const before = workersOf(await chats(gateway, 2));
  gateway.child.kill('SIGUSR2');
  const during: Answer[] = [];
  while (logged(gateway, 'rolling restart complete').length === 0) {
    during.push(await chat(gateway));
    if (during.length > 2000) break;
  }
  t.true(during.every((answer) => answer.status === 200), 'no call refused during the roll');
  const rolled = await chats(gateway, 4);
  t.is(workersOf(rolled).size, 2);
  t.false([...workersOf(rolled)].some((worker) => before.has(worker)), 'both workers are new');

  // SIGTERM drains: a stream in flight finishes, then every worker and the primary exit.
  upstream.script = () => ({ kind: 'reply', text: 'one two three four five six', chunkDelayMs: 100 });
  const stream = await openStream(gateway.url, TOKEN);
  const logsBefore = gateway.logs.length;
  gateway.child.kill('SIGTERM');
  const text = await stream.rest();
  t.true(text.endsWith('data: [DONE]\n\n'), 'the stream finished');
  t.is(await gateway.exited, 0);
  t.is(gateway.logs.slice(logsBefore).filter((line) => line.msg === 'shutdown complete').length, 2, 'both workers drained');
  t.is(logged(gateway, 'all workers stopped: shutdown complete').length, 1);
});
