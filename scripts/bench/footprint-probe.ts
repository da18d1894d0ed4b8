/**
 * Loaded with `--import` into a process that BENCH_ONLY=footprint measures. Between a first and a second SIGUSR2 it
 * counts the promises the process creates and the bytes it allocates on the JavaScript heap, then writes both as
 * JSON to FOOTPRINT_OUT. Unlike CPU time, both counts barely move from one run to the next, so a change to the hot
 * path shows in them even on a machine whose speed drifts.
 */
import { writeFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics, promiseHooks } from 'node:v8';

const output = process.env.FOOTPRINT_OUT;
let promises = 0;
let counting: { profiler: GCProfiler; stopHook: ReturnType<typeof promiseHooks.onInit>; usedAtStart: number } | undefined;

process.on('SIGUSR2', () => {
  if (counting === undefined) {
    promises = 0;
    // The hook is on only while counting: the warm-up before runs as it would without the probe.
    const stopHook = promiseHooks.onInit(() => (promises += 1));
    const profiler = new GCProfiler();
    counting = { profiler, stopHook, usedAtStart: getHeapStatistics().used_heap_size };
    profiler.start();
    return;
  }
  const { profiler, stopHook, usedAtStart } = counting;
  counting = undefined;
  stopHook();
  const collections = profiler.stop()?.statistics ?? [];
  // What was allocated is what the heap grew by between collections, plus what each collection found in it.
  let allocated = 0;
  let usedAfterLast = usedAtStart;
  for (const collection of collections) {
    allocated += collection.beforeGC.heapStatistics.usedHeapSize - usedAfterLast;
    usedAfterLast = collection.afterGC.heapStatistics.usedHeapSize;
  }
  allocated += getHeapStatistics().used_heap_size - usedAfterLast;
  if (output) writeFileSync(output, JSON.stringify({ promises, allocatedBytes: allocated }));
});
