import { Observable, timer, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { TaskTimeoutError } from './errors/index.js';
import type { TaskState } from './taskState.js';

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
      const span = Math.max(0, at - scheduler.now());
      const upstream = task$.subscribe({
        next: (state) => {
          last = state;
          subscriber.next(state);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      const alarm = timer(new Date(at), scheduler).subscribe(() => {
        const state = last;
        upstream.unsubscribe();
        const what = state === undefined ? 'the task' : `task ${state.id} (${state.provider}, ${state.status})`;
        subscriber.error(
          new TaskTimeoutError(`Deadline passed for ${what} at ${new Date(at).toISOString()}`, {
            timeout: 'deadline',
            ms: span,
            ...(state === undefined ? {} : { state }),
          }),
        );
      });
      subscriber.add(alarm);
      subscriber.add(upstream);
      return () => {
        last = undefined;
      };
    });
}
