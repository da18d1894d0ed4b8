import { withScripts, type RedisConnection } from '../../storage/redis-client.js';
import type { Ejection, RoutingStateStore, RoutingStateUpdate, SharedRoutingView } from './target-board.js';

/** An instance that has not reported for this long is gone; its calls in flight no longer count. */
export const INSTANCE_TTL_MS = 5000;

interface InstanceReport {
  at: number;
  inFlight: ReadonlyMap<string, number>;
  latencyMs: ReadonlyMap<string, number>;
}

/** Routing state in this process: for one gateway, or several boards in one process (tests). */
export class MemoryRoutingStateStore implements RoutingStateStore {
  private readonly instances = new Map<string, InstanceReport>();
  private readonly tokens = new Map<string, Map<string, number>>();
  private readonly ejections = new Map<string, Ejection>();

  async exchange(update: RoutingStateUpdate): Promise<SharedRoutingView> {
    this.instances.set(update.instanceId, { at: update.now, inFlight: new Map(update.inFlight), latencyMs: new Map(update.latencyMs) });
    let minute = this.tokens.get(update.minute);
    if (!minute) {
      this.tokens.clear();
      this.tokens.set(update.minute, (minute = new Map()));
    }
    for (const [target, count] of update.tokens) minute.set(target, (minute.get(target) ?? 0) + count);
    const inFlight = new Map<string, number>();
    const latencyMs = new Map<string, number>();
    for (const [id, report] of this.instances) {
      if (update.now - report.at > INSTANCE_TTL_MS) this.instances.delete(id);
      else if (id !== update.instanceId) mergeReport(report, inFlight, latencyMs);
    }
    return { inFlight, latencyMs, tokens: new Map(minute), ejections: new Map(this.ejections) };
  }

  async setEjection(targetId: string, ejection: Ejection | undefined): Promise<void> {
    if (ejection) this.ejections.set(targetId, ejection);
    else this.ejections.delete(targetId);
  }

  async close(): Promise<void> {}
}

function mergeReport(report: Pick<InstanceReport, 'inFlight' | 'latencyMs'>, inFlight: Map<string, number>, latencyMs: Map<string, number>): void {
  for (const [target, count] of report.inFlight) inFlight.set(target, (inFlight.get(target) ?? 0) + count);
  // Another instance's average stands for it; of several, the latest reader keeps the mean of what it sees.
  for (const [target, ms] of report.latencyMs) latencyMs.set(target, latencyMs.has(target) ? (latencyMs.get(target)! + ms) / 2 : ms);
}

/**
 * One round trip: records this instance's report (a hash that expires with the instance), adds its tokens to the
 * minute's counters, and reads back every live instance's report, the minute's tokens and the ejections.
 * KEYS: instances zset, this instance's report, the minute's tokens, ejections. ARGV: report prefix, instance id,
 * now, ttl ms, report fields (JSON), token increments (JSON).
 */
const EXCHANGE = `
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[3]) - tonumber(ARGV[4]))
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
local increments = cjson.decode(ARGV[6])
for target, count in pairs(increments) do redis.call('HINCRBY', KEYS[3], target, count) end
redis.call('PEXPIRE', KEYS[3], 120000)
local others = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[2] then
    local report = redis.call('GET', ARGV[1] .. id)
    if report then table.insert(others, report) end
  end
end
return { others, redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]) }
`;

interface RoutingScripts {
  llmgwRoutingExchange(instances: string, report: string, tokens: string, ejections: string, reportPrefix: string, instanceId: string, now: number, ttlMs: number, reportJson: string, tokensJson: string): Promise<[string[], string[], string[]]>;
}

const pairs = (flat: readonly string[]): [string, string][] => {
  const result: [string, string][] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) result.push([flat[index]!, flat[index + 1]!]);
  return result;
};

/**
 * Routing state in Redis, shared by every gateway instance on it; one script call per background exchange. Its keys
 * share the `{routing}` hash tag: the script reads reports it finds by name, so on a cluster they must be in its slot.
 */
export class RedisRoutingStateStore implements RoutingStateStore {
  private readonly scripts: RoutingScripts;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {
    this.scripts = withScripts<RoutingScripts>(redis, [['llmgwRoutingExchange', 4, EXCHANGE]]);
  }

  async exchange(update: RoutingStateUpdate): Promise<SharedRoutingView> {
    const base = `${this.prefix}{routing}:`;
    const report = JSON.stringify({ f: Object.fromEntries(update.inFlight), l: Object.fromEntries(update.latencyMs) });
    const [others, tokens, ejections] = await this.scripts.llmgwRoutingExchange(
      `${base}instances`,
      `${base}instance:${update.instanceId}`,
      `${base}tokens:${update.minute}`,
      `${base}ejections`,
      `${base}instance:`,
      update.instanceId,
      update.now,
      INSTANCE_TTL_MS,
      report,
      update.tokens.size === 0 ? '{}' : JSON.stringify(Object.fromEntries(update.tokens)),
    );
    const inFlight = new Map<string, number>();
    const latencyMs = new Map<string, number>();
    for (const text of others) {
      const parsed = JSON.parse(text) as { f: Record<string, number>; l: Record<string, number> };
      mergeReport({ inFlight: new Map(Object.entries(parsed.f)), latencyMs: new Map(Object.entries(parsed.l)) }, inFlight, latencyMs);
    }
    return {
      inFlight,
      latencyMs,
      tokens: new Map(pairs(tokens).map(([target, count]) => [target, Number(count)])),
      ejections: new Map(
        pairs(ejections).map(([target, value]) => {
          const [until, count] = value.split(':');
          return [target, { until: Number(until), count: Number(count) }];
        }),
      ),
    };
  }

  async setEjection(targetId: string, ejection: Ejection | undefined): Promise<void> {
    const key = `${this.prefix}{routing}:ejections`;
    if (ejection) await this.redis.hset(key, targetId, `${ejection.until}:${ejection.count}`);
    else await this.redis.hdel(key, targetId);
  }

  async close(): Promise<void> {}
}
