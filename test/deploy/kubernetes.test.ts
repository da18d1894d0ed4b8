import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { envSchema } from '../../src/config/schema.js';
import { parseRedisUrl } from '../../src/storage/redis-url.js';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.js';

// deploy/kubernetes describes one deployment: its parts must agree with each other and with the gateway's
// configuration.

const root = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');
const folder = 'deploy/kubernetes';

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  ports: { name: string; containerPort: number }[];
  envFrom: ({ configMapRef: { name: string } } | { secretRef: { name: string } })[];
  env?: { name: string }[];
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  readinessProbe: Probe;
  livenessProbe: Probe;
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec: Record<string, any>;
}

const files = readdirSync(fileURLToPath(new URL(`../../../${folder}`, import.meta.url))).filter((file) => file.endsWith('.yaml'));
const manifests = new Map(files.filter((file) => file !== 'kustomization.yaml').map((file) => [file, parse(root(`${folder}/${file}`)) as Manifest]));
const ofKind = (kind: string): Manifest => [...manifests.values()].find((manifest) => manifest.kind === kind)!;
const deployment = ofKind('Deployment');
const container = deployment.spec.template.spec.containers[0] as Container;
const configMap = ofKind('ConfigMap');
const secret = ofKind('Secret');
const defaultPort = loadConfig({}, PROVIDER_DEFINITIONS).port;
const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;

/** The container port a probe or a Service names (by name or by number). */
const containerPort = (port: string | number) => (typeof port === 'number' ? port : container.ports.find((entry) => entry.name === port)?.containerPort);

test('the container port is the gateway’s default PORT, which the ConfigMap sets', (t) => {
  t.deepEqual(container.ports.map((port) => port.containerPort), [defaultPort]);
  t.is(Number(configMap.data!.PORT), defaultPort);
  t.is(configMap.data!.HOST, '0.0.0.0', 'reachable from the Service');
});

test('readiness and liveness probes ask /health on the container port', (t) => {
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    t.is(probe.httpGet.path, '/health');
    t.is(containerPort(probe.httpGet.port), defaultPort);
  }
});

test('every environment name the manifests set is one the gateway reads and .env.example documents', (t) => {
  const known = new Set(Object.keys(envSchema(Object.values(PROVIDER_DEFINITIONS)).shape));
  const example = root('.env.example');
  const names = [...Object.keys(configMap.data!), ...Object.keys(secret.stringData!), ...(container.env ?? []).map((entry) => entry.name)];
  t.true(names.length > 5);
  for (const name of names) {
    t.true(known.has(name), `${name} is in the config schema`);
    t.regex(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} is in .env.example`);
  }
  const env = { ...configMap.data!, ...secret.stringData! };
  const config = loadConfig(env, PROVIDER_DEFINITIONS);
  t.is(config.keyPools.redisUrl, secret.stringData!.REDIS_URL);
  t.is(parseRedisUrl(config.keyPools.redisUrl!).kind, 'cluster', 'the example names a Redis Cluster, an external dependency');
});

test('the pods take their environment from the ConfigMap and the Secret, and drain within their grace period', (t) => {
  t.deepEqual(container.envFrom, [{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
  t.true(deployment.spec.template.spec.terminationGracePeriodSeconds > Number(configMap.data!.SHUTDOWN_GRACE_SECONDS));
  t.is(configMap.data!.WORKERS, '1', 'one process per pod: pods are what the autoscaler adds');
});

test('resources are sized from the benchmark: half a core requested (about 1,500 calls/s at 300 µs each), one core at most', (t) => {
  t.deepEqual(container.resources.requests, { cpu: '500m', memory: '256Mi' });
  t.deepEqual(container.resources.limits, { cpu: '1', memory: '512Mi' });
  t.regex(root(`${folder}/deployment.yaml`), /300 µs of CPU per non-stream call, so one core carries\n# about 3,000 calls per second/);
});

test('the Service, the disruption budget and the autoscaler select the Deployment’s pods', (t) => {
  const service = ofKind('Service');
  t.deepEqual(service.spec.selector, podLabels);
  t.is(containerPort(service.spec.ports[0].targetPort), defaultPort);
  const budget = ofKind('PodDisruptionBudget');
  t.deepEqual(budget.spec.selector.matchLabels, podLabels);
  t.is(budget.spec.maxUnavailable, 1);
  const autoscaler = ofKind('HorizontalPodAutoscaler');
  t.like(autoscaler.spec.scaleTargetRef, { kind: 'Deployment', name: deployment.metadata.name });
  t.deepEqual(autoscaler.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
  t.true(autoscaler.spec.minReplicas >= 2 && autoscaler.spec.minReplicas <= deployment.spec.replicas, 'two pods at least, so the budget lets one go');
});

test('the kustomization applies every manifest but the example Secret', (t) => {
  const { resources } = parse(root(`${folder}/kustomization.yaml`)) as { resources: string[] };
  t.deepEqual([...resources].sort(), [...manifests.keys()].filter((file) => file !== 'secret.example.yaml').sort());
});
