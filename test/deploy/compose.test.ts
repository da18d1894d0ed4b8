import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { envSchema } from '../../src/config/schema.js';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';

// docker-compose.yml and the Dockerfile describe one deployment: they must agree with each other and with the
// gateway's configuration.

const root = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

interface Service {
  build?: string;
  image?: string;
  restart?: string;
  command?: string[];
  env_file?: { path: string; required: boolean }[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(root('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = root('Dockerfile');
const gateway = compose.services.gateway!;
const redis = compose.services.redis!;
const defaultPort = loadConfig({}, PROVIDER_DEFINITIONS).port;
/** The Dockerfile's final stage: what the image runs. */
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

test('the published port, the image’s EXPOSE and the gateway’s PORT are one port', (t) => {
  t.is(defaultPort, 8000);
  t.regex(runtimeStage, new RegExp(`^EXPOSE ${defaultPort}$`, 'm'));
  t.deepEqual(gateway.ports, [`${defaultPort}:${defaultPort}`]);
  t.is(Number(gateway.environment?.PORT), defaultPort);
  t.is(gateway.environment?.HOST, '0.0.0.0', 'reachable through the published port even without tokens');
});

test('both health checks ask /health on the port the gateway listens on', (t) => {
  const check = gateway.healthcheck!.test.join(' ');
  t.true(check.includes(`http://127.0.0.1:${defaultPort}/health`), check);
  t.regex(runtimeStage, /HEALTHCHECK[^]*\/health/);
  t.true(gateway.healthcheck!.test[0] === 'CMD' && gateway.healthcheck!.test[1] === 'node', 'the image has node, not curl');
  t.deepEqual(redis.healthcheck!.test, ['CMD', 'redis-cli', 'ping']);
});

test('every environment variable compose sets is one the gateway reads, and its values are a valid configuration', (t) => {
  const known = new Set(Object.keys(envSchema(Object.values(PROVIDER_DEFINITIONS)).shape));
  const example = root('.env.example');
  for (const name of Object.keys(gateway.environment ?? {})) {
    t.true(known.has(name), `${name} is in the config schema`);
    t.regex(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} is in .env.example`);
  }
  const env = Object.fromEntries(Object.entries(gateway.environment ?? {}).map(([name, value]) => [name, String(value)]));
  t.is(loadConfig(env, PROVIDER_DEFINITIONS).keyPools.redisUrl, 'redis://redis:6379');
});

test('the gateway is built from the Dockerfile, reads an optional .env, and waits for a healthy Redis 7 it reaches by service name', (t) => {
  t.is(gateway.build, '.');
  t.deepEqual(gateway.env_file, [{ path: '.env', required: false }]);
  t.deepEqual(gateway.depends_on, { redis: { condition: 'service_healthy' } });
  t.is(new URL(String(gateway.environment?.REDIS_URL)).hostname, 'redis');
  t.regex(redis.image ?? '', /^redis:7(\.|-|$)/);
  for (const service of [gateway, redis]) t.is(service.restart, 'unless-stopped');
});

test('Redis persists to a named volume with append-only files', (t) => {
  t.deepEqual(redis.command, ['redis-server', '--appendonly', 'yes']);
  const [volume, mountPoint] = (redis.volumes ?? [])[0]!.split(':');
  t.is(mountPoint, '/data');
  t.true(volume! in compose.volumes, 'a named volume, declared');
});

test('the image is lean: production dependencies only, the console built in the build stage, no local-embedding runtime by default', (t) => {
  t.regex(runtimeStage, /npm ci --omit=dev/);
  t.regex(runtimeStage, /COPY --from=build \/app\/dist\/ui/);
  t.regex(runtimeStage, /ARG LOCAL_EMBEDDINGS=false/);
  const manifest = JSON.parse(root('package.json')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  t.false('@huggingface/transformers' in manifest.dependencies);
  t.true('@huggingface/transformers' in manifest.devDependencies, 'the tests of local embeddings still have it');
});
