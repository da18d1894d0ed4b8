import { addInto, type StatsIncrements } from '../stats/stats-store.js';
import { LATENCY_METRICS, latencyBin } from '../stats/latency-histogram.js';
import type { Period } from '../limits/time-windows.js';
import type { TokenUsage } from './token-usage.js';

/**
 * A minute's calls as statistics: pure functions over plain maps. Calls are grouped as they finish (cheap: four map
 * lookups of strings the call has) and spread into the statistics' dimensions and windows only when written.
 */

/** Per caller id, model, provider and upstream key (`provider/id`, or '' for none): the calls' metrics. */
export type CallGroups = Map<string, Map<string, Map<string, Map<string, number[]>>>>;

/** One minute's calls, grouped by what they had in common, and upstream keys' failed answers (`u|openai/<id>|s429`). */
export interface MinuteTotals {
  calls: CallGroups;
  statuses: Map<string, number>;
}

/**
 * requests, errors, prompt, completion and total tokens, cost (nano-dollars), calls that could not be priced and
 * the latency histogram's bins, in the order the metrics arrays hold them.
 */
export const METRICS: readonly string[] = ['req', 'err', 'pt', 'ct', 'tt', 'cost', 'unp', ...LATENCY_METRICS];
const FIRST_LATENCY_BIN = 7;

export const emptyMinute = (): MinuteTotals => ({ calls: new Map(), statuses: new Map() });

function child<V>(parent: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let map = parent.get(key);
  if (!map) parent.set(key, (map = new Map()));
  return map;
}

/** A call's metrics array in its group, created at zero for the group's first call. */
export function groupTotals(calls: CallGroups, callerId: string, model: string, provider: string, upstreamKey: string): number[] {
  const byKey = child(child(child(calls, callerId), model), provider);
  let totals = byKey.get(upstreamKey);
  if (!totals) byKey.set(upstreamKey, (totals = METRICS.map(() => 0)));
  return totals;
}

/**
 * Adds one finished call to its group's metrics; `cost` in nano-dollars, undefined when the call could not be
 * priced; `latencyMs` into its histogram bin, when known.
 */
export function countCall(totals: number[], failed: boolean, usage: TokenUsage, cost: number | undefined, latencyMs?: number): void {
  totals[0]! += 1;
  totals[1]! += failed ? 1 : 0;
  totals[2]! += usage.prompt;
  totals[3]! += usage.completion;
  totals[4]! += usage.total;
  totals[5]! += cost ?? 0;
  totals[6]! += cost === undefined ? 1 : 0;
  if (latencyMs !== undefined) totals[FIRST_LATENCY_BIN + latencyBin(latencyMs)]! += 1;
}

/** The statistics dimensions of a minute's calls (`c|<client>`, `m|<model>`, `p|<provider>`, `cm|…`, `u|…`) with their metrics. */
export function dimensionTotals(calls: CallGroups): Map<string, number[]> {
  const dimensions = new Map<string, number[]>();
  const add = (dimension: string, values: readonly number[]) => {
    const totals = dimensions.get(dimension);
    if (totals) values.forEach((value, index) => (totals[index]! += value));
    else dimensions.set(dimension, [...values]);
  };
  for (const [callerId, byModel] of calls) {
    for (const [model, byProvider] of byModel) {
      for (const [provider, byKey] of byProvider) {
        for (const [upstreamKey, values] of byKey) {
          add(`c|${callerId}`, values);
          add(`m|${model}`, values);
          add(`p|${provider}`, values);
          add(`cm|${callerId}|${model}`, values);
          if (upstreamKey !== '') add(`u|${upstreamKey}`, values);
        }
      }
    }
  }
  return dimensions;
}

/**
 * The statistics store's increments for minutes of calls: each minute's counts go to its minute, hour, day and
 * month windows, whose ids are the minute id's prefixes (`202611221430` → `2026112214`, `20261122`, `202611`).
 */
export function statsIncrements(minutes: ReadonlyMap<string, MinuteTotals>): StatsIncrements {
  const increments: StatsIncrements = new Map();
  for (const [minute, totals] of minutes) {
    const dimensions = dimensionTotals(totals.calls);
    const windows: [Period, string][] = [
      ['minute', minute],
      ['hour', minute.slice(0, 10)],
      ['day', minute.slice(0, 8)],
      ['month', minute.slice(0, 6)],
    ];
    for (const [period, id] of windows) {
      let fields = increments.get(`${period}:${id}`);
      if (!fields) increments.set(`${period}:${id}`, (fields = new Map()));
      for (const [dimension, values] of dimensions) values.forEach((value, index) => addInto(fields, `${dimension}|${METRICS[index]}`, value));
      for (const [field, count] of totals.statuses) addInto(fields, field, count);
    }
  }
  return increments;
}

/** Adds `from` into `into` and returns `into`. */
export function mergeIncrements(into: StatsIncrements, from: StatsIncrements): StatsIncrements {
  for (const [window, fields] of from) {
    let target = into.get(window);
    if (!target) into.set(window, (target = new Map()));
    for (const [field, amount] of fields) addInto(target, field, amount);
  }
  return into;
}
