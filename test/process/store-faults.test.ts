import test, { type ExecutionContext } from 'ava';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { bearerKeyOf as keyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { adminApi } from '../helpers/admin-api.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { OwnRedisServer, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/wait.js';

// Store faults against a redis-server of the test's own (never the shared one): stopped, restarted, slowed by a
// delaying proxy, and full. Calls go on; admin routes that need Redis answer 503 saying so; state converges after.

const K = ['sk-store-fault-key-one-00000000001', 'sk-store-fault-key-two-00000000002'];
const ADMIN = 'sk-admin-store-faults-000000000001';
const UNAVAILABLE = /the state store \(Redis\) is unavailable/i;
const REDIS_ROUTES = ['/admin/api/client-keys', '/admin/api/logs'];

const haveRedisServer = OwnRedisServer.available();
const storeTest = haveRedisServer ? test.serial : test.serial.skip;
if (!haveRedisServer) console.warn('store-faults: skipped, there is no redis-server on this machine to start and stop');

/** A TCP proxy in front of Redis that holds every reply for `delayMs` (0: passes straight through). */
class DelayingProxy {
  delayMs = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: number) {}

  get url(): string {
    return `redis://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (this.delayMs === 0) client.write(chunk);
        else setTimeout(() => client.writable && client.write(chunk), this.delayMs);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

interface Setup {
  gw: RunningGateway;
  upstream: FakeOpenAIUpstream;
  api: ReturnType<typeof adminApi>;
}

async function gatewayOn(t: ExecutionContext, redisUrl: string): Promise<Setup> {
  const upstream = await new FakeOpenAIUpstream().start();
  const gw = await startGateway({
    OPENAI_API_KEYS: JSON.stringify(K),
    OPENAI_BASE_URL: upstream.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: uniquePrefix(),
    AUTH_TOKEN: ADMIN,
    MAX_FAILURES: '1',
  });
  t.teardown(async () => {
    await gw.close();
    await upstream.stop();
  });
  return { gw, upstream, api: adminApi(gw, ADMIN) };
}

const chat = (gw: RunningGateway, token?: string) => gw.client(token).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });

async function assertCallsGoOn(t: ExecutionContext, gw: RunningGateway, clientKey: string): Promise<void> {
  for (let index = 0; index < 2; index++) t.is((await chat(gw)).object, 'chat.completion', 'a configured token is served');
  t.is((await chat(gw, clientKey)).object, 'chat.completion', 'a client key is served');
}

async function assertAdminUnavailable(t: ExecutionContext, api: Setup['api'], routes = REDIS_ROUTES): Promise<void> {
  for (const route of routes) {
    const answer = await api.get<{ error?: { message: string; type: string; code: string } }>(route);
    t.is(answer.status, 503, `${route} answers 503`);
    t.regex(answer.body.error?.message ?? '', UNAVAILABLE, `${route} says why`);
    t.is(answer.body.error?.code, 'store_unavailable');
  }
  // The pools keep a memory mirror, so their view answers; it must never be a 500.
  t.is((await api.get('/admin/api/upstream-keys')).status, 200);
}

async function assertAdminAnswers(t: ExecutionContext, api: Setup['api']): Promise<void> {
  for (const route of REDIS_ROUTES) t.is((await api.get(route)).status, 200, `${route} answers again`);
}

const retiredIds = async (api: Setup['api']) => {
  const { body } = await api.get<{ providers: { provider: string; keys: { id: string; status: string }[] }[] }>('/admin/api/upstream-keys');
  return body.providers.flatMap((pool) => pool.keys.filter((key) => key.status === 'invalid').map((key) => key.id));
};

storeTest('Redis stopped, then restarted: calls go on, admin routes answer 503, and a key retired during the outage is retired after', async (t) => {
  const redis = await OwnRedisServer.start();
  t.teardown(() => redis.stop());
  const { gw, upstream, api } = await gatewayOn(t, redis.url);
  const { key } = await api.createKey({ name: 'through-the-stop' });
  await chat(gw, key);

  await redis.stop();
  upstream.script = (request) =>
    keyOf(request) === K[0] ? { kind: 'error', status: 401, body: { error: { message: 'revoked', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } : undefined;
  await assertCallsGoOn(t, gw, key);
  await assertAdminUnavailable(t, api);
  t.false(gw.logs.some((line) => line.msg === 'unexpected error'), 'no admin route fell into a 500');
  const retiredDuringOutage = await retiredIds(api);
  t.is(retiredDuringOutage.length, 1, 'the revoked key is retired while Redis is down');

  await redis.start();
  await waitFor(async () => (await api.get('/admin/api/client-keys')).status === 200, 'admin routes answering', 8000);
  await assertAdminAnswers(t, api);
  const direct = new Redis(redis.url);
  try {
    await waitFor(async () => (await direct.keys('*')).some((name) => name.includes('openai')), 'the pool written back', 8000);
  } finally {
    direct.disconnect();
  }
  t.deepEqual(await retiredIds(api), retiredDuringOutage);
});

storeTest('Redis slowed past the command timeout: calls go on, admin routes answer 503, and answer again once it is quick', async (t) => {
  const redis = await OwnRedisServer.start();
  t.teardown(() => redis.stop());
  const proxy = await new DelayingProxy(redis.port).start();
  t.teardown(() => proxy.stop());
  const { gw, api } = await gatewayOn(t, proxy.url);
  const { id, key } = await api.createKey({ name: 'through-the-slowness' });
  await chat(gw, key);

  proxy.delayMs = 1500;
  await new Promise((resolve) => setTimeout(resolve, 2100)); // past the client key cache's freshness
  await assertCallsGoOn(t, gw, key);
  await assertAdminUnavailable(t, api);

  proxy.delayMs = 0;
  await waitFor(async () => (await api.get('/admin/api/client-keys')).status === 200, 'admin routes answering', 8000);
  const { body } = await api.get<{ data: { id: string }[] }>('/admin/api/client-keys');
  t.true(body.data.some((listed) => listed.id === id), 'the key made before the slowness is still there');
});

storeTest('Redis full (maxmemory, noeviction): calls go on, admin writes answer 503, and succeed once there is room', async (t) => {
  const redis = await OwnRedisServer.start(['--maxmemory-policy', 'noeviction']);
  t.teardown(() => redis.stop());
  const { gw, api } = await gatewayOn(t, redis.url);
  const { key } = await api.createKey({ name: 'through-the-full-memory' });
  await chat(gw, key);

  const direct = new Redis(redis.url);
  t.teardown(() => direct.disconnect());
  await direct.set('filler', 'x'.repeat(2 * 1024 * 1024));
  await direct.config('SET', 'maxmemory', '1mb');
  await t.throwsAsync(direct.set('probe', '1'), { message: /^OOM/ }, 'Redis is full');

  await assertCallsGoOn(t, gw, key);
  const refused = await api.post<{ error?: { message: string; code: string } }>('/admin/api/client-keys', { name: 'no-room' });
  t.is(refused.status, 503);
  t.regex(refused.body.error?.message ?? '', UNAVAILABLE);
  t.is((await api.get('/admin/api/client-keys')).status, 200, 'reads still answer');

  await direct.config('SET', 'maxmemory', '0');
  t.is((await api.post('/admin/api/client-keys', { name: 'room-again' })).status, 201);
});
