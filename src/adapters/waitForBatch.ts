import type { Observable } from 'rxjs';
import { TaskIncompleteError, TaskTimeoutError } from '../core/errors/index.js';
import { expectDelay, expectObservable, expectOptionalSignal, expectOptions } from '../core/validate.js';
import type { TaskBatchState } from '../operators/taskBatchState.js';
import { batchLastSeen } from '../operators/lastSeen.js';
import { waitForStream } from './waitForStream.js';

/** Options of {@link waitForBatch}. */
export interface WaitForBatchOptions {
  /**
   * Gives up the wait when aborted: the promise rejects with `signal.reason`
   * and the batch is unsubscribed at once, so every `watch` in it stops
   * polling and aborts its request in flight. A signal aborted already rejects
   * at once, without subscribing.
   *
   * @default undefined (wait until the batch settles the promise)
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Ms from the call within which the batch must be done. When they pass
   * first, the promise rejects with a {@link TaskTimeoutError} (`timeout:
   * 'total'`, `ms` this bound, `batch` the last batch seen) and the batch is
   * unsubscribed at once, as on an abort.
   *
   * @default undefined (no bound)
   */
  readonly timeout?: number | undefined;
}

/**
 * Waits for a batch to be done: a Promise of the first batch in which every
 * task has settled, for code that awaits rather than subscribes. `batch$` is
 * what {@link combineTasks} returns.
 *
 * It subscribes at once and settles on the first of:
 * - a batch with `done: true`: resolves with it. Failed tasks do not reject it
 *   (like `Promise.allSettled`): read `counts.failed`, `tasks` and `errors`.
 *   A done batch is the last word (every task has settled, and `combineTasks`
 *   ignores whatever they send next), so the wait does not also wait for the
 *   stream to complete;
 * - an error of the stream: rejects with that very error (with `failFast`, a
 *   {@link TaskFailedError} or the error of the first watch that failed);
 * - the stream completing before a done batch (cut short by `take`,
 *   `takeUntil`, or no batch at all): rejects with a {@link TaskIncompleteError}
 *   whose `ms` is how long it was watched and `batch` the last batch seen;
 * - `timeout` ms passing: rejects with a {@link TaskTimeoutError} whose
 *   `timeout` is `'total'`, `ms` the bound and `batch` the last batch seen;
 * - `signal` aborting: rejects with `signal.reason`.
 *
 * Whichever comes first, the subscription ends then and there (every `watch`
 * of the batch stops polling and aborts its request in flight), the timer is
 * cleared and the abort listener removed. The only promise made is the one
 * returned, so nothing can become an unhandled rejection behind your back.
 *
 * ```
 * batch$:         --a--b--d--|      (d is done)
 * waitForBatch:   resolves with d at frame 8; unsubscribed at 8
 *
 * batch$:         --a--#            rejects with # itself
 * batch$:         --a--b--|         rejects with TaskIncompleteError { ms: 8, batch: b }
 * timeout 6:      --a--b-           rejects with TaskTimeoutError { timeout: 'total', ms: 6, batch: b } at 6; unsubscribed at 6
 * signal aborts:  ----x             rejects with signal.reason at frame 4; unsubscribed at 4
 * ```
 *
 * ## Example
 *
 * Start a batch of exports, give it ten minutes, then report the failures:
 *
 * ```ts
 * import { combineTasks, waitForBatch, TaskTimeoutError, type TaskSource } from 'rx-task-status';
 *
 * declare const stream: TaskSource<string>;
 * declare const taskIds: readonly string[];
 *
 * try {
 *   const batch = await waitForBatch(combineTasks(taskIds.map((id) => stream.watch(id))), { timeout: 10 * 60_000 });
 *   console.log(`${batch.counts.completed} of ${batch.total} exports ready, ${batch.counts.failed} failed`);
 *   for (const state of batch.tasks) if (state?.status === 'failed') console.error(state.id, state.error?.message);
 * } catch (error) {
 *   if (error instanceof TaskTimeoutError) console.error(`gave up; ${error.batch?.counts.completed ?? 0} were ready`);
 *   else throw error;
 * }
 * ```
 *
 * @param batch$ The batches of `combineTasks`, or any `Observable<TaskBatchState>`.
 * @param options `signal` and `timeout`: see {@link WaitForBatchOptions}.
 * @return A Promise of the first batch with `done: true`.
 * @throws {TypeError} At once, when `batch$` is not an Observable, `options`
 * is not an object, `signal` is not an AbortSignal, or `timeout` is not a
 * finite, non-negative number of ms.
 * @see {@link combineTasks} for the batch and what it holds.
 * @see {@link waitForTask} to wait for one task.
 */
export function waitForBatch<T>(batch$: Observable<TaskBatchState<T>>, options: WaitForBatchOptions = {}): Promise<TaskBatchState<T>> {
  expectObservable<TaskBatchState<T>>('batch$', batch$);
  expectOptions('options', options);
  const signal = expectOptionalSignal(options.signal);
  const timeout = options.timeout === undefined ? undefined : expectDelay('timeout', options.timeout, { allowZero: true });

  let last: TaskBatchState<T> | undefined;
  return waitForStream<TaskBatchState<T>, TaskBatchState<T>>(batch$, {
    signal,
    timeout: timeout === undefined ? undefined : { ms: timeout, expire: () => ({ error: timedOut(last, timeout) }) },
    next: (batch) => {
      // Read defensively: a hand-fed Subject may send anything.
      if ((batch as Partial<TaskBatchState<T>> | null | undefined)?.done === true) return { value: batch };
      last = batch;
      return undefined;
    },
    complete: (ms) => ({ error: endedEarly(last, ms) }),
  });
}

function timedOut(last: TaskBatchState<unknown> | undefined, ms: number): TaskTimeoutError {
  const { name, seen } = batchLastSeen(last);
  return new TaskTimeoutError(`${name} did not finish within ${ms} ms; ${seen}.`, {
    timeout: 'total',
    ms,
    ...(last === undefined ? {} : { batch: last }),
  });
}

function endedEarly(last: TaskBatchState<unknown> | undefined, ms: number): TaskIncompleteError {
  const { name, seen } = batchLastSeen(last);
  return new TaskIncompleteError(`${name} was watched for ${ms} ms and its stream ended before every task settled; ${seen}.`, {
    ms,
    ...(last === undefined ? {} : { batch: last }),
  });
}
