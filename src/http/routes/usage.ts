import { nanoToUsd } from '../../core/money.js';
import type Router from '@koa/router';
import { z } from 'zod';
import type { Period } from '../../access/limits/time-windows.js';
import type { UsageReport } from '../../access/stats/usage-report.js';
import { validateRequest } from '../../core/request-validation.js';
import type { LogStore, RequestRecord, UpstreamErrorRecord } from '../../logging/log-store.js';
import type { GatewayMiddleware, GatewayState } from '../context.js';

export interface UsageRouteDependencies {
  report: UsageReport;
  logs: LogStore;
  timeZone: string;
}

/** A time as ISO 8601 or Unix seconds, to epoch milliseconds. */
const instant = z.union([
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
  z.iso.date().transform((text) => Date.parse(text)),
  z.string().regex(/^\d{9,11}$/, 'expected an ISO 8601 time or Unix seconds').transform((text) => Number(text) * 1000),
]);
const count = (max: number) => z.coerce.number().int().min(1).max(max);

const SPAN_LIMITS: Record<Period, number> = { minute: 120, hour: 48, day: 62, month: 24 };

const usageQuery = z
  .object({
    period: z.enum(['minute', 'hour', 'day', 'month']).default('day'),
    count: count(120).default(7),
    client_key: z.string().min(1).optional(),
  })
  .strict();

const requestLogQuery = z
  .object({
    client_key: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
    status: z.union([z.enum(['error', 'success']), z.coerce.number().int().min(100).max(599)]).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: count(1000).default(100),
    cursor: z.string().optional(),
  })
  .strict();

const errorLogQuery = z
  .object({
    provider: z.string().min(1).optional(),
    upstream_key: z.string().min(1).optional(),
    status: z.coerce.number().int().min(100).max(599).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: count(1000).default(100),
    cursor: z.string().optional(),
  })
  .strict();

const iso = (time: number) => new Date(time).toISOString();

function requestView(record: RequestRecord & { id: string }) {
  return {
    id: record.id,
    time: iso(record.time),
    request_id: record.requestId,
    client_key: record.clientId,
    client_name: record.clientName,
    client_hint: record.clientHint,
    endpoint: record.endpoint,
    model: record.model,
    provider: record.provider,
    upstream_key: record.upstreamKey,
    stream: record.stream,
    status: record.status,
    latency_ms: record.latencyMs,
    attempts: record.attempts,
    usage: {
      prompt_tokens: record.promptTokens,
      completion_tokens: record.completionTokens,
      total_tokens: record.totalTokens,
      reasoning_tokens: record.reasoningTokens,
      cached_tokens: record.cachedTokens,
      cache_write_tokens: record.cacheWriteTokens ?? 0,
      cache_write_long_tokens: record.cacheWriteLongTokens ?? 0,
      searches: record.searches ?? 0,
      estimated: record.estimated,
      ...(record.images === undefined ? {} : { images: record.images, image_size: record.imageSize ?? '' }),
      ...(record.audioSeconds === undefined ? {} : { audio_seconds: record.audioSeconds, characters: record.characters ?? 0 }),
    },
    cost_usd: record.costNano == null ? null : nanoToUsd(record.costNano),
    priced: record.costNano !== null,
    error: record.error,
    ...(record.requestExcerpt === undefined ? {} : { request_excerpt: record.requestExcerpt }),
    ...(record.responseExcerpt === undefined ? {} : { response_excerpt: record.responseExcerpt }),
  };
}

function errorView(record: UpstreamErrorRecord & { id: string }) {
  return {
    id: record.id,
    time: iso(record.time),
    request_id: record.requestId,
    client_name: record.clientName,
    provider: record.provider,
    model: record.model,
    upstream_key: record.upstreamKey,
    status: record.status,
    code: record.code,
    message: record.message,
  };
}

/** Operator endpoints for usage, the request and error logs, and statistics (admin token only). */
export function registerUsageRoutes(router: Router<GatewayState>, guard: GatewayMiddleware[], deps: UsageRouteDependencies): void {
  router.get('/admin/api/usage', ...guard, async (ctx) => {
    const query = validateRequest(usageQuery, { ...ctx.query });
    const windows = Math.min(query.count, SPAN_LIMITS[query.period]);
    ctx.body = {
      object: 'usage',
      time_zone: deps.timeZone,
      period: query.period,
      ...(query.client_key === undefined ? {} : { client_key: query.client_key }),
      total: await deps.report.span(query.period, windows, query.client_key),
      windows: await deps.report.series(query.period, windows, query.client_key),
    };
  });

  router.get('/admin/api/stats', ...guard, async (ctx) => {
    const [minute, hour, day, month, failing] = await Promise.all([
      deps.report.span('minute', 1),
      deps.report.span('minute', 60),
      deps.report.span('hour', 24),
      deps.report.span('day', 30),
      deps.report.failingUpstreamKeys(),
    ]);
    ctx.body = {
      object: 'stats',
      time_zone: deps.timeZone,
      current_minute: minute,
      last_hour: hour,
      last_day: day,
      last_month: month,
      failing_upstream_keys: failing,
    };
  });

  router.get('/admin/api/logs', ...guard, async (ctx) => {
    const query = validateRequest(requestLogQuery, { ...ctx.query });
    const page = await deps.logs.requests({
      clientId: query.client_key,
      model: query.model,
      provider: query.provider,
      status: query.status,
      from: query.from,
      to: query.to,
      limit: query.limit,
      cursor: query.cursor,
    });
    ctx.body = { object: 'list', data: page.records.map(requestView), next_cursor: page.next ?? null };
  });

  router.get('/admin/api/logs/errors', ...guard, async (ctx) => {
    const query = validateRequest(errorLogQuery, { ...ctx.query });
    const page = await deps.logs.errors({
      provider: query.provider,
      upstreamKey: query.upstream_key,
      status: query.status,
      from: query.from,
      to: query.to,
      limit: query.limit,
      cursor: query.cursor,
    });
    ctx.body = { object: 'list', data: page.records.map(errorView), next_cursor: page.next ?? null };
  });
}
