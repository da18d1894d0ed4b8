import type { ExecutionContext } from 'ava';
import { bearerKeyOf as keyOf, FakeOpenAIUpstream } from '../fakes/openai-upstream.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { uniquePrefix } from '../helpers/redis.js';

const TOKEN = 'sk-two-instances-token-000001';
const K = ['sk-shared-key-one-00000000001', 'sk-shared-key-two-00000000002', 'sk-shared-key-three-000000003'];

const chat = async (gateway: GatewayProcess) => {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return response.status;
};

/**
 * Two gateway processes on the Redis that `redisUrl` names share the rotation, and a key retired through one is
 * skipped by the other. `cleanUp` removes the keys under the prefix afterwards; `beforeLastRound` (a failover, say)
 * runs between the key's retirement and the second instance's calls.
 */
export async function twoInstancesSharePool(
  t: ExecutionContext,
  redisUrl: string,
  cleanUp: (prefix: string) => Promise<void>,
  beforeLastRound: () => Promise<void> = async () => undefined,
): Promise<void> {
  const upstream = await new FakeOpenAIUpstream().start();
  const prefix = uniquePrefix();
  const env = {
    ALLOWED_TOKENS: TOKEN,
    OPENAI_API_KEYS: JSON.stringify(K),
    OPENAI_BASE_URL: upstream.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    MAX_FAILURES: '1',
  };
  const [one, two] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  try {
    for (let index = 0; index < 6; index++) t.is(await chat(index % 2 === 0 ? one! : two!), 200);
    t.deepEqual(
      upstream.requests.map(keyOf),
      [...K, ...K],
      'one rotation across both instances',
    );

    upstream.script = (request) =>
      keyOf(request) === K[1] ? { kind: 'error', status: 401, body: { error: { message: 'revoked', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } } : undefined;
    upstream.requests.length = 0;
    for (let index = 0; index < 3; index++) t.is(await chat(one!), 200);
    t.is(upstream.requests.filter((request) => keyOf(request) === K[1]).length, 1, 'retired on its first 401 through the first instance');

    await beforeLastRound();
    upstream.requests.length = 0;
    for (let index = 0; index < 6; index++) t.is(await chat(two!), 200);
    t.false(upstream.requests.some((request) => keyOf(request) === K[1]), 'the second instance never uses it');
    t.is(upstream.requests.length, 6);
  } finally {
    await Promise.all([one?.stop(), two?.stop()]);
    await upstream.stop();
    await cleanUp(prefix);
  }
}
