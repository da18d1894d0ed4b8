import test from 'ava';
import { tokenUsage } from '../../../src/core/usage.js';
import type { StatsIncrements } from '../../../src/access/stats/stats-store.js';
import type { TokenUsage } from '../../../src/access/metering/token-usage.js';
import { countCall, emptyMinute, groupTotals, mergeIncrements, statsIncrements, type MinuteTotals } from '../../../src/access/metering/usage-rollup.js';

const usage = (prompt: number, completion: number): TokenUsage => tokenUsage({ prompt, completion });
const fields = (increments: StatsIncrements, window: string) => Object.fromEntries(increments.get(window) ?? []);

/** Three calls (one failed, one unpriced) and a 429 from another key in 14:30, one keyless call in 14:31. */
function twoMinutes(): Map<string, MinuteTotals> {
  const first = emptyMinute();
  countCall(groupTotals(first.calls, 'ck_1', 'gpt-4o', 'openai', 'openai/aaaa'), false, usage(10, 5), 1500);
  countCall(groupTotals(first.calls, 'ck_1', 'gpt-4o', 'openai', 'openai/aaaa'), true, usage(0, 0), 0);
  countCall(groupTotals(first.calls, 'env:x', 'gpt-4o', 'openai', 'openai/bbbb'), false, usage(1, 2), undefined);
  first.statuses.set('u|openai/cccc|s429', 1);
  const second = emptyMinute();
  countCall(groupTotals(second.calls, 'ck_1', 'claude', 'anthropic', ''), false, usage(4, 6), 2000);
  return new Map([
    ['202611221430', first],
    ['202611221431', second],
  ]);
}

const FIRST_MINUTE = {
  'c|ck_1|req': 2, 'c|ck_1|err': 1, 'c|ck_1|pt': 10, 'c|ck_1|ct': 5, 'c|ck_1|tt': 15, 'c|ck_1|cost': 1500,
  'c|env:x|req': 1, 'c|env:x|pt': 1, 'c|env:x|ct': 2, 'c|env:x|tt': 3, 'c|env:x|unp': 1,
  'm|gpt-4o|req': 3, 'm|gpt-4o|err': 1, 'm|gpt-4o|pt': 11, 'm|gpt-4o|ct': 7, 'm|gpt-4o|tt': 18, 'm|gpt-4o|cost': 1500, 'm|gpt-4o|unp': 1,
  'p|openai|req': 3, 'p|openai|err': 1, 'p|openai|pt': 11, 'p|openai|ct': 7, 'p|openai|tt': 18, 'p|openai|cost': 1500, 'p|openai|unp': 1,
  'cm|ck_1|gpt-4o|req': 2, 'cm|ck_1|gpt-4o|err': 1, 'cm|ck_1|gpt-4o|pt': 10, 'cm|ck_1|gpt-4o|ct': 5, 'cm|ck_1|gpt-4o|tt': 15, 'cm|ck_1|gpt-4o|cost': 1500,
  'cm|env:x|gpt-4o|req': 1, 'cm|env:x|gpt-4o|pt': 1, 'cm|env:x|gpt-4o|ct': 2, 'cm|env:x|gpt-4o|tt': 3, 'cm|env:x|gpt-4o|unp': 1,
  'u|openai/aaaa|req': 2, 'u|openai/aaaa|err': 1, 'u|openai/aaaa|pt': 10, 'u|openai/aaaa|ct': 5, 'u|openai/aaaa|tt': 15, 'u|openai/aaaa|cost': 1500,
  'u|openai/bbbb|req': 1, 'u|openai/bbbb|pt': 1, 'u|openai/bbbb|ct': 2, 'u|openai/bbbb|tt': 3, 'u|openai/bbbb|unp': 1,
  'u|openai/cccc|s429': 1,
};

const SECOND_MINUTE = {
  'c|ck_1|req': 1, 'c|ck_1|pt': 4, 'c|ck_1|ct': 6, 'c|ck_1|tt': 10, 'c|ck_1|cost': 2000,
  'm|claude|req': 1, 'm|claude|pt': 4, 'm|claude|ct': 6, 'm|claude|tt': 10, 'm|claude|cost': 2000,
  'p|anthropic|req': 1, 'p|anthropic|pt': 4, 'p|anthropic|ct': 6, 'p|anthropic|tt': 10, 'p|anthropic|cost': 2000,
  'cm|ck_1|claude|req': 1, 'cm|ck_1|claude|pt': 4, 'cm|ck_1|claude|ct': 6, 'cm|ck_1|claude|tt': 10, 'cm|ck_1|claude|cost': 2000,
};

const BOTH_MINUTES = { ...FIRST_MINUTE, ...SECOND_MINUTE, 'c|ck_1|req': 3, 'c|ck_1|pt': 14, 'c|ck_1|ct': 11, 'c|ck_1|tt': 25, 'c|ck_1|cost': 3500 };

test('each minute gets its own window; its hour, day and month get both, with zero counts left out and keyless calls under no key', (t) => {
  const increments = statsIncrements(twoMinutes());
  t.deepEqual([...increments.keys()].sort(), ['day:20261122', 'hour:2026112214', 'minute:202611221430', 'minute:202611221431', 'month:202611']);
  t.deepEqual(fields(increments, 'minute:202611221430'), FIRST_MINUTE);
  t.deepEqual(fields(increments, 'minute:202611221431'), SECOND_MINUTE);
  t.deepEqual(fields(increments, 'hour:2026112214'), BOTH_MINUTES);
  t.deepEqual(fields(increments, 'day:20261122'), BOTH_MINUTES);
  t.deepEqual(fields(increments, 'month:202611'), BOTH_MINUTES);
});

test('calls with the same caller, model, provider and key share one group', (t) => {
  const minute = emptyMinute();
  const first = groupTotals(minute.calls, 'ck_1', 'gpt-4o', 'openai', 'openai/aaaa');
  t.is(groupTotals(minute.calls, 'ck_1', 'gpt-4o', 'openai', 'openai/aaaa'), first);
  t.not(groupTotals(minute.calls, 'ck_1', 'gpt-4o', 'openai', 'openai/bbbb'), first);
  countCall(first, true, usage(3, 4), 250);
  t.deepEqual(first.slice(0, 7), [1, 1, 3, 4, 7, 250, 0]);
  countCall(first, false, usage(1, 1), undefined);
  t.deepEqual(first.slice(0, 7), [2, 1, 4, 5, 9, 250, 1]);
  t.true(first.slice(7).every((count) => count === 0), 'no latency given, none counted');
});

test('a call\'s latency lands in its histogram bin, which the statistics write as `l<bin>`', (t) => {
  const minute = emptyMinute();
  const totals = groupTotals(minute.calls, 'ck_1', 'gpt-4o', 'openai', '');
  countCall(totals, false, usage(1, 1), 0, 50);
  countCall(totals, false, usage(1, 1), 0, 150);
  countCall(totals, false, usage(1, 1), 0, 180);
  const written = fields(statsIncrements(new Map([['202611221430', minute]])), 'minute:202611221430');
  t.is(written['m|gpt-4o|l0'], 1);
  t.is(written['m|gpt-4o|l1'], 2);
  t.is(written['c|ck_1|l1'], 2);
  t.false('m|gpt-4o|l2' in written);
});

test('merging adds to the fields both have and keeps the rest, in the target', (t) => {
  const into: StatsIncrements = new Map([['minute:202611221430', new Map([['m|a|req', 1], ['m|a|tt', 5]])]]);
  const from: StatsIncrements = new Map([
    ['minute:202611221430', new Map([['m|a|req', 2], ['m|b|req', 1]])],
    ['minute:202611221431', new Map([['m|a|req', 4]])],
  ]);
  t.is(mergeIncrements(into, from), into);
  t.deepEqual(fields(into, 'minute:202611221430'), { 'm|a|req': 3, 'm|a|tt': 5, 'm|b|req': 1 });
  t.deepEqual(fields(into, 'minute:202611221431'), { 'm|a|req': 4 });
  t.deepEqual(fields(from, 'minute:202611221430'), { 'm|a|req': 2, 'm|b|req': 1 }, 'the source is left as it was');
});

test('the increments of two batches merged are those of one batch holding both', (t) => {
  const minutes = [...twoMinutes()];
  const merged = mergeIncrements(statsIncrements(new Map(minutes.slice(0, 1))), statsIncrements(new Map(minutes.slice(1))));
  t.deepEqual(merged, statsIncrements(twoMinutes()));
});
