import type Router from '@koa/router';
import type { Authenticator } from '../../access/identity/authenticator.js';
import { bearerToken, digestsEqual, sha256Hex } from '../../access/identity/token-verifier.js';
import { GatewayError } from '../../core/errors.js';
import type { GatewayState } from '../context.js';
import { adminCaller } from '../middleware/auth.js';

/** What serves the metrics text (metrics/gateway-metrics.ts). */
export interface MetricsText {
  text(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsRouteDependencies {
  /** Undefined when metrics are off. */
  metrics: MetricsText | undefined;
  /** METRICS_TOKEN: without it the main port does not serve `/metrics` (it answers 404). */
  token: string | undefined;
  authenticator: Authenticator;
}

const refused = () =>
  new GatewayError(401, 'GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` (or the admin token).', {
    code: 'invalid_metrics_token',
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

/**
 * `GET /metrics` on the main port, only when METRICS_TOKEN is set, to requests bearing it (compared in constant
 * time) or the admin token; anything else gets 401. A separate METRICS_PORT serves them without a token instead.
 */
export function registerMetricsRoutes(router: Router<GatewayState>, deps: MetricsRouteDependencies): void {
  const { metrics, token } = deps;
  if (!metrics || token === undefined) return;
  const tokenDigest = sha256Hex(token);
  router.get('/metrics', async (ctx) => {
    const presented = bearerToken(ctx.get('authorization'));
    if (presented === undefined) throw refused();
    if (!digestsEqual(sha256Hex(presented), tokenDigest)) {
      try {
        await adminCaller(deps.authenticator, presented, () => ctx.ip);
      } catch (error) {
        // A caller throttled for too many wrong tokens hears so; any other refusal is the same 401.
        if (error instanceof GatewayError && error.status === 429) throw error;
        throw refused();
      }
    }
    ctx.type = metrics.contentType;
    ctx.body = await metrics.text();
  });
}
