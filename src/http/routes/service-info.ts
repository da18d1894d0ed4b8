import cluster from 'node:cluster';
import type Router from '@koa/router';
import type { KeyPool } from '../../keys/key-pool.js';
import { keyStatus } from '../../keys/key-state.js';
import type { StoreHealth } from '../../keys/open-pool-store.js';
import type { ConfiguredProvider } from '../../providers/registry.js';
import type { GatewayState } from '../context.js';
import type { InFlightLimit } from '../in-flight-limit.js';
import type { ServerLifecycle } from '../lifecycle.js';

export interface ServiceInfoDependencies {
  name: string;
  version: string;
  openAccess: boolean;
  /** The providers and pools of the config in force. */
  routes: () => { providers: readonly ConfiguredProvider[]; pools: ReadonlyMap<string, KeyPool> };
  storeHealth: () => StoreHealth;
  lifecycle: ServerLifecycle;
  inFlight: InFlightLimit;
}

/** Every route family the gateway serves, for `/`. */
const ENDPOINTS = [
  'GET /',
  'GET /health',
  'GET /v1/models',
  'GET /v1/models/{model}',
  'POST /v1/chat/completions',
  'POST /v1/embeddings',
  'GET /hf/v1/models, POST /hf/v1/chat/completions, /hf/v1/embeddings, /hf/v1/completions, /hf/v1/images/generations, /hf/v1/images/edits, /hf/v1/audio/speech, /hf/v1/audio/transcriptions (gemini-balance\'s alias of /v1)',
  'POST /v1/responses, GET|DELETE /v1/responses/{id} (OpenAI Responses API)',
  'POST /v1/completions (legacy completions)',
  'POST /v1/images/generations, POST /v1/images/edits, GET /v1/images/files/{name} (images kept for response_format url)',
  'POST /v1/audio/speech, POST /v1/audio/transcriptions',
  'POST /v1/messages (Anthropic Messages API)',
  'POST /v1/messages/count_tokens',
  'GET /v1beta/models, POST /v1beta/models/{model}:{action} (Gemini API; also under /gemini/v1beta)',
  'GET /vertex-express/v1beta/models, POST /vertex-express/v1beta/models/{model}:{action} (Gemini API on the Vertex AI express-mode keys)',
  'POST /upload/v1beta/files, GET /v1beta/files, GET|DELETE /v1beta/files/{id} (Gemini Files API with key affinity; also under /gemini)',
  'GET /openai/v1/models, POST /openai/v1/chat/completions, POST /openai/v1/embeddings (Gemini\'s OpenAI surface, when Gemini is configured)',
  'GET /v1/keys/list (admin)',
  'GET|POST|DELETE /admin/api/upstream-keys… (admin)',
  'GET|POST|PATCH|DELETE /admin/api/client-keys… (admin)',
  'GET|PUT|POST /admin/api/config… (admin)',
  'GET /admin/api/stats, /admin/api/usage, /admin/api/usage/timeline, /admin/api/logs, /admin/api/logs/errors (admin)',
  'POST|GET|DELETE /admin/api/session (console sign-in)',
  'GET /admin (console), GET /chat (playground), GET /ui/assets/{file}',
  'GET /metrics (Prometheus; with METRICS_TOKEN or the admin token, or on METRICS_PORT)',
];

/** Public routes: `/` describes the service, `/health` answers monitors. Neither reveals a secret. */
export function registerServiceInfoRoutes(router: Router<GatewayState>, deps: ServiceInfoDependencies): void {
  const keyCounts = async () => {
    const now = Date.now();
    const { providers, pools } = deps.routes();
    return Promise.all(
      providers.map(async (target) => {
        const states = (await pools.get(target.settings.id)?.states()) ?? [];
        const count = (status: string) => states.filter((state) => keyStatus(state, now) === status).length;
        return { id: target.settings.id, kind: target.settings.kind, keys: { total: states.length, valid: count('valid'), cooling: count('cooling'), invalid: count('invalid') } };
      }),
    );
  };

  router.get('/', async (ctx) => {
    ctx.body = {
      name: deps.name,
      version: deps.version,
      description: 'OpenAI-compatible LLM gateway',
      auth: deps.openAccess ? 'open' : 'bearer',
      endpoints: ENDPOINTS,
      providers: (await keyCounts()).map(({ id, kind, keys }) => ({ id, kind, keys: keys.total })),
    };
  });

  router.get('/health', async (ctx) => {
    const store = deps.storeHealth();
    const providers = await keyCounts();
    const noUsableKey = providers.some((provider) => provider.keys.total > 0 && provider.keys.valid === 0);
    const status = deps.lifecycle.shuttingDown ? 'shutting_down' : store.status === 'degraded' || noUsableKey ? 'degraded' : 'healthy';
    ctx.status = status === 'shutting_down' ? 503 : 200;
    ctx.body = {
      status,
      version: deps.version,
      uptime_seconds: Math.floor((Date.now() - deps.lifecycle.startedAt) / 1000),
      dependencies: { store },
      // Overload does not change the status (a monitor restarting a busy process would make it worse): it is
      // reported here, with the calls shed since start.
      load: { in_flight: deps.inFlight.inFlight, max: deps.inFlight.max, queued: deps.inFlight.queued, overloaded: deps.inFlight.overloaded, shed: deps.inFlight.shed },
      ...(cluster.isWorker ? { worker: { id: cluster.worker!.id, pid: process.pid } } : {}),
      providers,
    };
  });
}
