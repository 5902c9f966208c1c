import { distinctUntilChanged, of, startWith, type Observable, type SchedulerLike } from 'rxjs';
import { untilDeadline } from './deadline.js';
import { isSameState, isTerminal, type TaskState } from './taskState.js';

/** What a watch adds to a task's shared states, already checked: where it starts, and when it must end by. */
export interface WatchExtras {
  /** A state the caller already has (checked as a state of this task): it comes first, and a terminal one needs no request at all. */
  readonly resumeFrom?: TaskState | undefined;
  /** The clock time (scheduler's ms, or a Date) after which the watch errors with a `TaskTimeoutError`. */
  readonly deadline?: Date | number | undefined;
}

/**
 * One caller's view of a task's shared states (`task$`): started from a
 * state it already has, bounded by its deadline. Every source applies
 * `watch`'s `resumeFrom` and `deadline` through this, so they mean the same
 * whoever polls (a poll loop of its own, another process, a hub).
 */
export function withWatchExtras(task$: Observable<TaskState>, { resumeFrom, deadline }: WatchExtras, scheduler: SchedulerLike): Observable<TaskState> {
  let watch$ = task$;
  if (resumeFrom !== undefined) {
    // A terminal task cannot change: no request needed.
    watch$ = isTerminal(resumeFrom) ? of(resumeFrom) : task$.pipe(startWith(resumeFrom), distinctUntilChanged(isSameState));
  }
  return deadline === undefined ? watch$ : watch$.pipe(untilDeadline(deadline, scheduler));
}
