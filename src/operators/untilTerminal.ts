import { map, pipe, takeWhile, type MonoTypeOperatorFunction } from 'rxjs';
import { TaskFailedError } from '../core/errors/index.js';
import { isTerminal, type TaskState } from '../core/taskState.js';
import { expectOptionalBoolean, expectOptions } from '../core/validate.js';

/** Options of {@link untilTerminal}. */
export interface UntilTerminalOptions {
  /**
   * Error with a {@link TaskFailedError} (carrying the failed state) instead of
   * emitting a `failed` state, so that only success reaches `next`.
   *
   * @default false
   */
  readonly throwOnFailure?: boolean | undefined;
}

/**
 * Mirrors task states until the first terminal one (`completed` or `failed`),
 * emits it, then completes and unsubscribes from the source.
 *
 * A task cannot change once it is terminal, but a source that is not one of
 * ours (a Subject fed by a webhook, a replayed log) may go on emitting or never
 * complete. `untilTerminal` gives every task stream the same end.
 *
 * ```
 * source:                       --p--r--c--r--
 * untilTerminal():              --p--r--(c|)
 *
 * source:                       --p--r--f--
 * untilTerminal():              --p--r--(f|)
 * untilTerminal({ throwOnFailure: true }):
 *                               --p--r--#      (# = TaskFailedError, its `state` is f)
 * ```
 *
 * ## Example
 *
 * Follow a task fed by webhook calls until it is done, failing on failure:
 *
 * ```ts
 * import { Subject } from 'rxjs';
 * import { untilTerminal, type TaskState } from 'rx-task-status';
 *
 * const webhook = new Subject<TaskState>();
 * webhook.pipe(untilTerminal({ throwOnFailure: true })).subscribe({
 *   next: (state) => console.log(state.status, state.progress),
 *   error: (error: unknown) => console.error('export failed', error),
 *   complete: () => console.log('export done'),
 * });
 * ```
 *
 * @param options `throwOnFailure`: see {@link UntilTerminalOptions}.
 * @return A function that returns an Observable mirroring the source up to and
 * including its first terminal state (or erroring on a failed one with
 * `throwOnFailure`), then completing.
 * @throws {TypeError} At once, when `options` is not an options object.
 * @see {@link withTimeout} to bound how long the wait may take.
 * @see {@link combineTasks} to follow many tasks as one.
 */
export function untilTerminal<T extends TaskState>(options: UntilTerminalOptions = {}): MonoTypeOperatorFunction<T> {
  expectOptions('options', options);
  const throwOnFailure = expectOptionalBoolean('throwOnFailure', options.throwOnFailure) ?? false;
  const untilFirstTerminal = takeWhile<T>((state) => !isTerminal(state), true);
  if (!throwOnFailure) return untilFirstTerminal;
  return pipe(
    untilFirstTerminal,
    map((state) => {
      if (state.status === 'failed') throw new TaskFailedError(state);
      return state;
    }),
  );
}
