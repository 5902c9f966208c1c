// combineTasks against the naive `combineLatest(tasks).pipe(map(reduce))`.
//
//   npx ts-node bench/combineTasks.bench.ts
//
// Both follow the same n Subjects, each started with a pending state (combineLatest
// says nothing until every input has emitted once; with the initial state both emit
// on every update). Then the same updates are fed round-robin: running states with
// rising progress, the last one completed. The consumer reads counts and progress,
// which is what a progress bar does. Time covers the updates only; heap per task is
// what the subscription holds once they are done (after a full GC), divided by n.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { combineLatest, map, startWith, Subject, type Observable } from 'rxjs';
import { createTaskState, type TaskState } from '../src/core/taskState.js';
import { combineTasks, type TaskBatchState } from '../src/index.js';

export interface BenchOptions {
  /** Batch sizes to measure. */
  readonly sizes: readonly number[];
  /** Inner updates per size, in total over all tasks (rounded down to a multiple of the size). */
  readonly updates: number;
  /**
   * At most this many updates for the naive baseline, whose cost per update grows
   * with the batch; its time for `updates` is then extrapolated from its cost per update.
   * Default: `updates`.
   */
  readonly maxBaselineUpdates?: number;
}

export interface BenchRow {
  readonly tasks: number;
  readonly approach: 'combineTasks' | 'combineLatest + map(reduce)';
  /** Updates the time is given for. */
  readonly updates: number;
  /** Updates actually run; fewer than `updates` when the time is extrapolated. */
  readonly measuredUpdates: number;
  readonly ms: number;
  readonly nsPerUpdate: number;
  readonly heapBytesPerTask: number;
  /** The baseline's time over this row's: how many times faster (1 for the baseline). */
  readonly speedup: number;
}

/** The sizes `npm run bench` measures (and this file's command line): the baseline, whose cost per update grows with the batch, on at most 50,000 updates. */
export const COMBINE_DEFAULTS: BenchOptions & { readonly runs: number } = { sizes: [1_000, 10_000], updates: 1_000_000, maxBaselineUpdates: 50_000, runs: 2 };
export const COMBINE_QUICK: BenchOptions & { readonly runs: number } = { sizes: [10, 40], updates: 400, maxBaselineUpdates: 80, runs: 1 };

type Summary = Pick<TaskBatchState, 'counts' | 'progress' | 'done' | 'total'>;
type Approach = (inputs: readonly Observable<TaskState>[]) => Observable<Summary>;

const naive: Approach = (inputs) => combineLatest(inputs).pipe(map(summarise));
const ours: Approach = (inputs) => combineTasks(inputs);

export function run({ sizes, updates, maxBaselineUpdates = updates }: BenchOptions): BenchRow[] {
  // Warm the JIT on both paths first, so the first size measured is not penalised.
  measure(ours, 100, 200);
  measure(naive, 100, 200);
  return sizes.flatMap((tasks) => {
    const steps = Math.max(1, Math.floor(updates / tasks));
    const baselineSteps = Math.max(1, Math.min(steps, Math.floor(maxBaselineUpdates / tasks)));
    const fast = measure(ours, tasks, steps);
    const slow = measure(naive, tasks, baselineSteps);
    const total = steps * tasks;
    const baselineMs = (slow.ms / (baselineSteps * tasks)) * total;
    const row = (approach: BenchRow['approach'], result: Measurement, measuredUpdates: number, ms: number): BenchRow => ({
      tasks,
      approach,
      updates: total,
      measuredUpdates,
      ms,
      nsPerUpdate: (ms * 1e6) / total,
      heapBytesPerTask: result.heapBytes / tasks,
      // performance.now() counts in µs at best: a floor of 1 µs keeps tiny runs finite.
      speedup: approach === 'combineTasks' ? baselineMs / Math.max(ms, 1e-3) : 1,
    });
    return [row('combineLatest + map(reduce)', slow, baselineSteps * tasks, baselineMs), row('combineTasks', fast, total, fast.ms)];
  });
}

interface Measurement {
  readonly ms: number;
  readonly heapBytes: number;
}

/** Feeds `steps` updates to each of `tasks` Subjects through `approach`; times them and weighs what the subscription keeps. */
function measure(approach: Approach, tasks: number, steps: number): Measurement {
  const states = stepStates(steps);
  const subjects = Array.from({ length: tasks }, () => new Subject<TaskState>());
  const inputs = subjects.map((subject) => subject.pipe(startWith(states.pending)));
  let seen: Summary | undefined;
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const subscription = approach(inputs).subscribe((batch) => {
    seen = batch;
  });
  const started = performance.now();
  for (const state of states.updates) {
    for (let i = 0; i < tasks; i++) (subjects[i] as Subject<TaskState>).next(state);
  }
  const ms = performance.now() - started;
  collectGarbage();
  const heapBytes = Math.max(0, process.memoryUsage().heapUsed - heapBefore);
  subscription.unsubscribe();
  if (seen === undefined || !seen.done || seen.progress !== 1) throw new Error(`The benchmark did not run to the end (${approach === ours ? 'combineTasks' : 'baseline'}, ${tasks} tasks).`);
  return { ms, heapBytes };
}

/** One shared state per step: `steps - 1` running ones with rising progress, then completed. */
function stepStates(steps: number): { pending: TaskState; updates: TaskState[] } {
  const state = (status: TaskState['status'], progress?: number) =>
    createTaskState('bench', 'task', { status, providerStatus: status, ...(progress === undefined ? {} : { progress }), raw: null });
  const updates = Array.from({ length: steps - 1 }, (_, step) => state('running', (step + 1) / steps));
  updates.push(state('completed'));
  return { pending: state('pending'), updates };
}

/** The naive reduction: one pass over every task per update (written tight, to keep the comparison fair). */
function summarise(states: readonly TaskState[]): Summary & { tasks: readonly TaskState[] } {
  let pending = 0;
  let running = 0;
  let completed = 0;
  let failed = 0;
  let progress = 0;
  for (let i = 0; i < states.length; i++) {
    const state = states[i] as TaskState;
    switch (state.status) {
      case 'pending':
        pending++;
        progress += state.progress ?? 0;
        break;
      case 'running':
        running++;
        progress += state.progress ?? 0;
        break;
      case 'completed':
        completed++;
        progress += 1;
        break;
      case 'failed':
        failed++;
        progress += 1;
        break;
    }
  }
  const total = states.length;
  return {
    tasks: states,
    counts: { pending, running, completed, failed },
    total,
    progress: total === 0 ? 1 : progress / total,
    done: completed + failed === total,
  };
}

let gc: (() => void) | undefined;
/** A full GC before reading the heap; `--expose-gc` is switched on here so that `npx ts-node` needs no flags. */
function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = (globalThis as { gc?: () => void }).gc ?? (runInNewContext('gc') as () => void);
  }
  gc();
}

export function toMarkdown(rows: readonly BenchRow[]): string {
  const lines = [
    '| tasks | approach | updates | time | per update | heap per task | speed-up |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => {
      const extrapolated = row.measuredUpdates < row.updates ? ` (extrapolated from ${row.measuredUpdates.toLocaleString('en')})` : '';
      return `| ${row.tasks.toLocaleString('en')} | ${row.approach} | ${row.updates.toLocaleString('en')} | ${formatMs(row.ms)}${extrapolated} | ${Math.round(row.nsPerUpdate).toLocaleString('en')} ns | ${Math.round(row.heapBytesPerTask).toLocaleString('en')} B | ${row.speedup >= 10 ? Math.round(row.speedup) : row.speedup.toFixed(1)}× |`;
    }),
  ];
  return lines.join('\n');
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

if (require.main === module) {
  const rows = run(COMBINE_DEFAULTS);
  console.log(toMarkdown(rows));
}
