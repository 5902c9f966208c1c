import { Observable, type MonoTypeOperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { TaskTimeoutError } from './errors/index.js';
import type { TaskState } from './taskState.js';
import { MAX_DELAY_MS } from './validate.js';

/**
 * Errors with `TaskTimeoutError` (`timeout: 'deadline'`, carrying the last
 * state seen) when the scheduler's clock passes `deadline`; unsubscribes from
 * the task first, so its polling stops.
 */
export function untilDeadline(deadline: Date | number, scheduler: SchedulerLike): MonoTypeOperatorFunction<TaskState> {
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  return (task$) =>
    new Observable<TaskState>((subscriber) => {
      let last: TaskState | undefined;
      let upstream: Subscription | undefined;
      const span = Math.max(0, at - scheduler.now());
      const expire = () => {
        const state = last;
        upstream?.unsubscribe();
        const what = state === undefined ? 'the task' : `task ${state.id} (${state.provider}, ${state.status})`;
        subscriber.error(
          new TaskTimeoutError(`Deadline passed for ${what} at ${new Date(at).toISOString()}`, {
            timeout: 'deadline',
            ms: span,
            ...(state === undefined ? {} : { state }),
          }),
        );
      };
      // A deadline already passed sends no request at all.
      if (span === 0) {
        expire();
        return undefined;
      }
      const alarm = alarmAt(at, scheduler, expire);
      upstream = task$.subscribe({
        next: (state) => {
          last = state;
          subscriber.next(state);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      subscriber.add(upstream);
      return () => {
        alarm.unsubscribe();
        last = undefined;
      };
    });
}

/**
 * Calls `fire` when the scheduler's clock reaches `at`, however far ahead: a
 * single timer cannot wait more than MAX_DELAY_MS (a longer one fires at once),
 * so a deadline weeks away is reached in steps.
 */
function alarmAt(at: number, scheduler: SchedulerLike, fire: () => void): Subscription {
  return scheduler.schedule(function step(this: { schedule(state?: undefined, delay?: number): unknown }) {
    const left = at - scheduler.now();
    if (left > 0) this.schedule(undefined, Math.min(left, MAX_DELAY_MS));
    else fire();
  }, Math.min(Math.max(0, at - scheduler.now()), MAX_DELAY_MS));
}
