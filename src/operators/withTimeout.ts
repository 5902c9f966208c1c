import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { TaskTimeoutError } from '../core/errors/index.js';
import { isSameState, type TaskState } from '../core/taskState.js';
import { expectDelay, expectScheduler, show } from '../core/validate.js';

/** The bounds of {@link withTimeout}, in ms; give at least one. */
export interface WithTimeoutConfig {
  /**
   * Ms from subscription within which the source must complete.
   *
   * @default undefined (no bound)
   */
  readonly total?: number;
  /**
   * Ms the source may go without a new state: from subscription to the first
   * state, then from each state to the next one that differs from it. A state
   * repeated unchanged (a webhook sent twice) does not count as news.
   *
   * @default undefined (no bound)
   */
  readonly idle?: number;
}

/**
 * Errors with a {@link TaskTimeoutError} when the source has not completed
 * within `total` ms of subscription, or has shown no new state for `idle` ms.
 *
 * On a timeout it unsubscribes from the source, which for a `watch` stream
 * stops polling and aborts the request in flight. The error carries the last
 * state seen (`error.state`, `undefined` when none came), which bound ran out
 * (`error.timeout`: `'total'` or `'idle'`) and its length (`error.ms`).
 *
 * Put it after {@link untilTerminal} so that "finished" means "reached a
 * terminal state" even for sources that do not complete on their own.
 *
 * ```
 * source:                     --p---r---------c|
 * withTimeout(10):            --p---r---#              (# = TaskTimeoutError, timeout 'total', state r)
 * withTimeout({ idle: 5 }):   --p---r----#             (# = TaskTimeoutError, timeout 'idle', state r)
 * ```
 *
 * ## Example
 *
 * Give an export one minute in all, and give up sooner if it stalls for 15 s:
 *
 * ```ts
 * import { untilTerminal, withTimeout, TaskTimeoutError, type TaskState } from 'rx-task-status';
 * import type { Observable } from 'rxjs';
 *
 * declare const export$: Observable<TaskState>;
 *
 * export$.pipe(untilTerminal(), withTimeout({ total: 60_000, idle: 15_000 })).subscribe({
 *   next: (state) => console.log(state.status),
 *   error: (error: unknown) => {
 *     if (error instanceof TaskTimeoutError) console.error(`gave up (${error.timeout}), last seen:`, error.state?.status);
 *   },
 * });
 * ```
 *
 * @param config A number: the `total` bound in ms. Or `{ total?, idle? }`, at
 * least one of them; see {@link WithTimeoutConfig}.
 * @param scheduler Where the timers run.
 * Default: `asyncScheduler`.
 * @return A function that returns an Observable mirroring the source, or
 * erroring with a `TaskTimeoutError` when a bound runs out.
 * @throws {TypeError} At once, when a duration is negative or not finite,
 * when neither bound is given, or when `scheduler` is not a scheduler.
 * @see {@link untilTerminal}
 * @see {@link TaskTimeoutError}
 */
export function withTimeout<T extends TaskState>(
  config: number | WithTimeoutConfig,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  const { total, idle } = normaliseConfig(config);
  expectScheduler('scheduler', scheduler);
  return (source) =>
    new Observable<T>((subscriber) => {
      let last: T | undefined;
      let idleTimer: Subscription | undefined;
      const expire = (timeout: 'total' | 'idle', ms: number) => {
        subscriber.error(new TaskTimeoutError(timeoutMessage(timeout, ms, last), { timeout, ms, state: last }));
      };
      const restartIdleTimer = () => {
        if (idle === undefined) return;
        idleTimer?.unsubscribe();
        idleTimer = scheduler.schedule(() => expire('idle', idle), idle);
      };

      const totalTimer = total === undefined ? undefined : scheduler.schedule(() => expire('total', total), total);
      restartIdleTimer();
      const upstream = source.subscribe({
        next: (state) => {
          const isNews = last === undefined || !isSameState(last, state);
          last = state;
          if (isNews) restartIdleTimer();
          subscriber.next(state);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });

      return () => {
        totalTimer?.unsubscribe();
        idleTimer?.unsubscribe();
        upstream.unsubscribe();
        // Like RxJS's `timeout`: a finished subscription must not keep the last state alive.
        last = undefined;
      };
    });
}

function normaliseConfig(config: number | WithTimeoutConfig): WithTimeoutConfig {
  if (typeof config === 'number') return { total: expectDelay('ms', config, { allowZero: true }) };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TypeError(`Expected \`withTimeout\` to get a number of ms or \`{ total?, idle? }\`, got ${show(config)}.`);
  }
  const { total, idle } = config;
  if (total === undefined && idle === undefined) {
    throw new TypeError('Expected `withTimeout` to get at least one of `total` or `idle`, got neither.');
  }
  return {
    ...(total === undefined ? {} : { total: expectDelay('total', total, { allowZero: true }) }),
    ...(idle === undefined ? {} : { idle: expectDelay('idle', idle, { allowZero: true }) }),
  };
}

function timeoutMessage(timeout: 'total' | 'idle', ms: number, last: TaskState | undefined): string {
  const task = last === undefined ? 'The task' : `Task ${last.id} (${last.provider})`;
  const what = timeout === 'total' ? `did not finish within ${ms} ms` : `showed no new state for ${ms} ms`;
  const seen = last === undefined ? 'no state was seen' : `last seen ${last.status}`;
  return `${task} ${what}; ${seen}.`;
}
