import type { Observable } from 'rxjs';
import { TaskFailedError, TaskIncompleteError } from '../core/errors/index.js';
import type { TaskState } from '../core/taskState.js';
import { expectObservable, expectOptionalSignal, expectOptions } from '../core/validate.js';
import { taskLastSeen } from '../operators/lastSeen.js';
import { waitForStream } from './waitForStream.js';

/** Options of {@link waitForTask}. */
export interface WaitForTaskOptions {
  /**
   * Gives up the wait when aborted: the promise rejects with `signal.reason`
   * and the stream is unsubscribed at once, so a `watch` stream stops polling
   * and aborts its request in flight. A signal aborted already rejects at once,
   * without subscribing.
   *
   * @default undefined (wait until the stream settles the promise)
   */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Waits for a task to complete: a Promise of its first `completed` state, for
 * code that awaits rather than subscribes.
 *
 * It subscribes at once and settles on the first of:
 * - a `completed` state: resolves with it;
 * - a `failed` state: rejects with a {@link TaskFailedError} whose `state` is it;
 * - an error of the stream: rejects with that very error (a
 *   {@link TaskTimeoutError} from `withTimeout`, a `TransportError`, …);
 * - the stream completing with no terminal state (cut short by `take`,
 *   `takeUntil`, a webhook Subject closed early): rejects with a
 *   {@link TaskIncompleteError} whose `ms` is how long the stream was watched
 *   and `state` the last state seen: the wait ended before the task did, and
 *   the task may still finish;
 * - `signal` aborting: rejects with `signal.reason`.
 *
 * Whichever comes first, the subscription ends then and there (a `watch`
 * stream aborts its request in flight) and the abort listener is removed. The
 * only promise made is the one returned, so nothing can become an unhandled
 * rejection behind your back.
 *
 * ```
 * task$:          --p--r--c--|
 * waitForTask:    resolves with c at frame 8; unsubscribed at 8
 *
 * task$:          --p--r--f--|     rejects with TaskFailedError (state f)
 * task$:          --p--#           rejects with # itself
 * task$:          --p--r--|        rejects with TaskIncompleteError { ms: 8, state: r }
 * signal aborts:  ----x            rejects with signal.reason at frame 4; unsubscribed at 4
 * ```
 *
 * ## Example
 *
 * Wait at most two minutes for an export, and stop at once if the caller goes away:
 *
 * ```ts
 * import { streamTasks, waitForTask, withTimeout, TaskFailedError, TaskTimeoutError } from 'rx-task-status';
 *
 * const stream = streamTasks({ apiKey: 'key', apiSecret: process.env.STREAM_API_SECRET ?? '' });
 * const controller = new AbortController();
 *
 * try {
 *   const done = await waitForTask(stream.watch('task-42').pipe(withTimeout(120_000)), { signal: controller.signal });
 *   console.log('export ready:', done.result);
 * } catch (error) {
 *   if (error instanceof TaskFailedError) console.error('export failed:', error.state.error?.message);
 *   else if (error instanceof TaskTimeoutError) console.error('still not done, last seen:', error.state?.status);
 *   else throw error;
 * }
 * ```
 *
 * @param task$ The states of one task: a `watch` stream, or any `Observable<TaskState>`.
 * @param options `signal`: see {@link WaitForTaskOptions}.
 * @return A Promise of the first `completed` state.
 * @throws {TypeError} At once, when `task$` is not an Observable or `signal`
 * is not an AbortSignal.
 * @see {@link withTimeout} to bound the wait; its TaskTimeoutError carries the last state.
 * @see {@link toAsyncIterable} to see every state, not only the last.
 * @see {@link waitForBatch} to wait for many tasks at once.
 */
export function waitForTask<T extends TaskState>(task$: Observable<T>, options: WaitForTaskOptions = {}): Promise<T> {
  expectObservable<TaskState>('task$', task$);
  expectOptions('options', options);
  const signal = expectOptionalSignal(options.signal);

  let last: T | undefined;
  return waitForStream<T, T>(task$, {
    signal,
    next: (state) => {
      const status = statusOf(state);
      if (status === 'completed') return { value: state };
      if (status === 'failed') return { error: new TaskFailedError(state) };
      last = state;
      return undefined;
    },
    complete: (ms) => ({ error: endedEarly(last, ms) }),
  });
}

/** Read defensively: a hand-fed Subject may send anything, and a throw here would escape as an uncaught error. */
function statusOf(state: unknown): unknown {
  return (state as Partial<TaskState> | null | undefined)?.status;
}

function endedEarly(last: TaskState | undefined, ms: number): TaskIncompleteError {
  const { name, seen } = taskLastSeen(last);
  return new TaskIncompleteError(`${name} was watched for ${ms} ms and its stream ended before a terminal state; ${seen}.`, {
    ms,
    ...(last === undefined ? {} : { state: last }),
  });
}
