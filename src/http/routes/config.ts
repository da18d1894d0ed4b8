import type Router from '@koa/router';
import { z } from 'zod';
import { maskDocument, type ConfigFileError } from '../../config/file/index.js';
import type { ConfigRevision } from '../../config/online/config-history.js';
import type { AppliedConfig, EditResult, LiveConfig } from '../../config/online/live-config.js';
import { GatewayError, invalidRequest } from '../../core/errors.js';
import { validateRequest } from '../../core/request-validation.js';
import type { GatewayContext, GatewayMiddleware, GatewayState } from '../context.js';

const BASE = '/admin/api/config';

const rollbackSchema = z.looseObject({ revision: z.number().int().nonnegative() });

/** `If-Match: "12"` (or `12`, `W/"12"`) → 12; `*` → any revision. Required: an edit names what it was made on. */
function expectedRevision(ctx: GatewayContext): number | '*' {
  const header = ctx.get('if-match').trim();
  if (header === '') {
    throw new GatewayError(428, 'Send If-Match with the revision you edited (the ETag of GET /admin/api/config), or If-Match: * to overwrite whatever is there.', {
      code: 'precondition_required',
    });
  }
  if (header === '*') return '*';
  const match = /^(?:W\/)?"?(\d+)"?$/.exec(header);
  if (!match) throw invalidRequest('If-Match must be a revision number, as the ETag gives it ("12"), or *.', null, 'invalid_if_match');
  return Number(match[1]);
}

const etag = (revision: number) => `"${revision}"`;

function describe(config: AppliedConfig) {
  return {
    revision: config.revision,
    version: config.version,
    source: config.source,
    at: config.at,
    by: config.by,
    document: config.document === undefined ? null : maskDocument(config.document),
    warnings: config.routing?.warnings ?? [],
  };
}

function describeRevision(entry: ConfigRevision, current: number) {
  return {
    revision: entry.revision,
    version: entry.version,
    source: entry.source,
    at: entry.at,
    by: entry.by,
    ...(entry.restored === undefined ? {} : { restored: entry.restored }),
    current: entry.revision === current,
  };
}

function invalidConfig(ctx: GatewayContext, errors: readonly ConfigFileError[]): void {
  const first = errors[0];
  ctx.status = 400;
  ctx.body = {
    error: {
      message: `The config is not valid: ${errors.map((error) => (error.path === '' ? error.message : `${error.path}: ${error.message}`)).join('; ')}`,
      type: 'invalid_request_error',
      param: first?.path || null,
      code: 'invalid_config',
    },
    errors,
  };
}

/** Answers an edit or a rollback: the config now in force, or why nothing changed. */
function answerEdit(ctx: GatewayContext, result: EditResult): void {
  switch (result.kind) {
    case 'applied':
      ctx.set('ETag', etag(result.config.revision));
      ctx.body = describe(result.config);
      return;
    case 'invalid':
      invalidConfig(ctx, result.errors);
      return;
    case 'stale':
      throw new GatewayError(
        412,
        `The config changed since the revision you edited: the latest is revision ${result.latest}. Read it again (GET ${BASE}) and make your edit on it.`,
        { code: 'config_revision_mismatch', headers: { ETag: etag(result.latest) } },
      );
    case 'not_found':
      throw new GatewayError(404, 'No such revision in the config history.', { code: 'revision_not_found' });
    case 'unavailable':
      throw new GatewayError(503, `${result.message}; nothing was changed.`, { code: 'config_store_unavailable' });
  }
}

/**
 * Online editing of the routing config (admin token only): read it with secrets masked, validate, replace it whole
 * (with If-Match on its revision), and list or roll back its history.
 */
export function registerConfigRoutes(router: Router<GatewayState>, guard: GatewayMiddleware[], live: LiveConfig): void {
  router.get(BASE, ...guard, (ctx) => {
    const current = live.current;
    ctx.set('ETag', etag(current.revision));
    ctx.body = describe(current);
  });

  router.put(BASE, ...guard, async (ctx) => {
    const expected = expectedRevision(ctx);
    answerEdit(ctx, await live.edit(ctx.request.body, expected, 'admin'));
  });

  router.post(`${BASE}/validate`, ...guard, (ctx) => {
    const read = live.check(ctx.request.body);
    ctx.body = read.ok ? { valid: true, errors: [], warnings: read.routing.warnings } : { valid: false, errors: read.errors, warnings: [] };
  });

  router.get(`${BASE}/history`, ...guard, async (ctx) => {
    const current = live.current.revision;
    ctx.body = { current, revisions: (await live.history()).map((entry) => describeRevision(entry, current)) };
  });

  router.get(`${BASE}/history/:revision`, ...guard, async (ctx) => {
    const revision = Number(ctx.params.revision);
    const entry = Number.isInteger(revision) ? await live.revision(revision) : undefined;
    if (!entry) throw new GatewayError(404, 'No such revision in the config history.', { code: 'revision_not_found' });
    ctx.body = { ...describeRevision(entry, live.current.revision), document: maskDocument(entry.document) };
  });

  router.post(`${BASE}/rollback`, ...guard, async (ctx) => {
    const expected = expectedRevision(ctx);
    const { revision } = validateRequest(rollbackSchema, ctx.request.body);
    answerEdit(ctx, await live.rollback(revision, expected, 'admin'));
  });
}
