import { asyncScheduler, Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { failureReason } from '../core/errors/failureReason.js';
import { TaskTimeoutError, type TaskError, type TaskTimeout } from '../core/errors/index.js';
import { isSameState, type TaskState } from '../core/taskState.js';
import { expectDelay, expectScheduler, show } from '../core/validate.js';
import { subscribeWitnessed } from '../core/watchWitness.js';
import { batchLastSeen, taskLastSeen } from './lastSeen.js';
import type { TaskBatchState } from './taskBatchState.js';

/** The bounds of {@link withTimeout}, in ms; give at least one. */
export interface WithTimeoutConfig {
  /**
   * Ms from subscription within which the source must complete.
   *
   * @default undefined (no bound)
   */
  readonly total?: number | undefined;
  /**
   * Ms the source may go without a new state: from subscription to the first
   * state, then from each state to the next one that differs from it. A state
   * repeated unchanged (a webhook sent twice) does not count as news.
   *
   * Only for providers that report progress (Mobizon): a Stream export or a
   * Postman merge shows no new state between `running` and its end, however
   * healthy and long. Bound those with `stalled` and `total`.
   *
   * @default undefined (no bound)
   */
  readonly idle?: number | undefined;
  /**
   * Ms the provider may go without answering a poll: from subscription to the
   * first answer, then from each answer (with a state, changed or not) to the
   * next. A task that runs long and unchanged is answered on every poll and
   * never stalls; a provider that is down, refuses the connection or answers
   * only errors does, and the error's `cause` is the last failure.
   *
   * Watches of this library tell it of every answer (through a hub or a
   * coordination: that the hub or the polling process is alive, whose own
   * retries bound the provider). Any other stream tells only its states, so
   * there `stalled` counts as `idle` does.
   *
   * @default undefined (no bound)
   */
  readonly stalled?: number | undefined;
}

/**
 * Errors with a {@link TaskTimeoutError} when the source has not completed
 * within `total` ms of subscription, has shown no new state for `idle` ms, or
 * has had no answer from the provider for `stalled` ms. It bounds one task's
 * states, or a whole batch from `combineTasks` (then each batch is news, any
 * task's answer counts for `stalled`, and the error carries the last batch).
 *
 * On a timeout it unsubscribes from the source, which for a `watch` stream
 * stops polling and aborts the request in flight (for a batch, every task's).
 * The error carries the last state seen (`error.state`; `error.batch` for a
 * batch), which bound ran out (`error.timeout`) and its length (`error.ms`);
 * when polls were failing, `error.cause` is the last failure and the message
 * says it ("…; no state was seen; last attempt: connection refused").
 *
 * Put it after {@link untilTerminal} so that "finished" means "reached a
 * terminal state" even for sources that do not complete on their own.
 *
 * ```
 * source:                      --p---r---------c|
 * withTimeout(10):             --p---r---#              (# = TaskTimeoutError, timeout 'total', state r)
 * withTimeout({ idle: 5 }):    --p---r----#             (# = TaskTimeoutError, timeout 'idle', state r)
 * polls answered:              a-a-a-a-a-x-x-x-x        (x: connection refused)
 * withTimeout({ stalled: 6 }): --p---r--------#         (# = TaskTimeoutError, timeout 'stalled', cause: the last x)
 * ```
 *
 * ## Example
 *
 * A Postman merge reports no progress: bound the whole of it, and give up
 * sooner if Postman stops answering for two minutes:
 *
 * ```ts
 * import { untilTerminal, withTimeout, TaskTimeoutError, type TaskState } from 'rx-task-status';
 * import type { Observable } from 'rxjs';
 *
 * declare const merge$: Observable<TaskState>;
 *
 * merge$.pipe(untilTerminal(), withTimeout({ total: 30 * 60_000, stalled: 2 * 60_000 })).subscribe({
 *   next: (state) => console.log(state.status),
 *   error: (error: unknown) => {
 *     if (error instanceof TaskTimeoutError) console.error(`gave up (${error.timeout}): ${error.message}`);
 *   },
 * });
 * ```
 *
 * @param config A number: the `total` bound in ms. Or `{ total?, idle?, stalled? }`,
 * at least one of them; see {@link WithTimeoutConfig}.
 * @param scheduler Where the timers run.
 * Default: `asyncScheduler`.
 * @return A function that returns an Observable mirroring the source, or
 * erroring with a `TaskTimeoutError` when a bound runs out.
 * @throws {TypeError} At once, when a duration is negative or not finite,
 * when no bound is given, or when `scheduler` is not a scheduler.
 * @see {@link untilTerminal}
 * @see {@link TaskTimeoutError}
 */
export function withTimeout<T extends TaskState | TaskBatchState<unknown>>(
  config: number | WithTimeoutConfig,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  const bounds = normaliseConfig(config);
  expectScheduler('scheduler', scheduler);
  return (source) =>
    new Observable<T>((subscriber) => {
      let last: T | undefined;
      let lastFailure: TaskError | undefined;
      const timers: Partial<Record<'total' | 'idle' | 'stalled', Subscription>> = {};
      const expire = (timeout: TaskTimeout, ms: number) => subscriber.error(timeoutError(timeout, ms, last, lastFailure));
      const restart = (bound: 'total' | 'idle' | 'stalled') => {
        const ms = bounds[bound];
        if (ms === undefined || subscriber.closed) return;
        timers[bound]?.unsubscribe();
        timers[bound] = scheduler.schedule(() => expire(bound, ms), ms);
      };
      const answered = () => {
        lastFailure = undefined;
        restart('stalled');
      };

      restart('total');
      restart('idle');
      restart('stalled');
      const upstream = subscribeWitnessed(
        {
          answered,
          failed: (error) => {
            if (!subscriber.closed) lastFailure = error;
          },
        },
        () =>
          source.subscribe({
            next: (value) => {
              const isNews = last === undefined || !isSameValue(last, value);
              last = value;
              answered();
              if (isNews) restart('idle');
              subscriber.next(value);
            },
            error: (error: unknown) => subscriber.error(error),
            complete: () => subscriber.complete(),
          }),
      );

      return () => {
        for (const timer of Object.values(timers)) timer.unsubscribe();
        upstream.unsubscribe();
        // Like RxJS's `timeout`: a finished subscription must not keep the last state (or failure) alive.
        last = undefined;
        lastFailure = undefined;
      };
    });
}

function normaliseConfig(config: number | WithTimeoutConfig): WithTimeoutConfig {
  if (typeof config === 'number') return { total: expectDelay('ms', config, { allowZero: true }) };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TypeError(`Expected \`withTimeout\` to get a number of ms or \`{ total?, idle?, stalled? }\`, got ${show(config)}.`);
  }
  const { total, idle, stalled } = config;
  if (total === undefined && idle === undefined && stalled === undefined) {
    throw new TypeError('Expected `withTimeout` to get at least one of `total`, `idle` or `stalled`, got none.');
  }
  return {
    ...(total === undefined ? {} : { total: expectDelay('total', total, { allowZero: true }) }),
    ...(idle === undefined ? {} : { idle: expectDelay('idle', idle, { allowZero: true }) }),
    ...(stalled === undefined ? {} : { stalled: expectDelay('stalled', stalled, { allowZero: true }) }),
  };
}

/** A batch from `combineTasks`, as opposed to a task's state. */
function isBatch(value: unknown): value is TaskBatchState<unknown> {
  const candidate = value as Partial<TaskBatchState<unknown>> | null;
  return typeof candidate?.total === 'number' && typeof candidate.counts === 'object' && typeof candidate.done === 'boolean';
}

/** Each batch `combineTasks` emits is a change; two states are the same when nothing a user reads differs. */
function isSameValue(a: unknown, b: unknown): boolean {
  if (isBatch(a) || isBatch(b)) return a === b;
  return isSameState(a as TaskState, b as TaskState);
}

function timeoutError(timeout: TaskTimeout, ms: number, last: unknown, lastFailure: TaskError | undefined): TaskTimeoutError {
  const batch = isBatch(last) ? last : undefined;
  const state = batch === undefined ? (last as TaskState | undefined) : undefined;
  const what = timeout === 'idle' ? `showed no new state for ${ms} ms` : timeout === 'stalled' ? `got no answer from the provider for ${ms} ms` : `did not finish within ${ms} ms`;
  // Before any state, a failed poll may still say which task it was.
  const named = state ?? (lastFailure?.taskId === undefined || lastFailure.provider === undefined ? undefined : { id: lastFailure.taskId, provider: lastFailure.provider });
  const { name, seen } = batch === undefined ? taskLastSeen(state, named) : batchLastSeen(batch);
  const attempt = lastFailure === undefined ? '' : `; last attempt: ${failureReason(lastFailure)}`;
  return new TaskTimeoutError(`${name} ${what}; ${seen}${attempt}.`, {
    timeout,
    ms,
    ...(state === undefined ? {} : { state }),
    ...(batch === undefined && named !== undefined ? { provider: named.provider, taskId: named.id } : {}),
    ...(batch === undefined ? {} : { batch }),
    ...(lastFailure === undefined ? {} : { cause: lastFailure }),
  });
}
