import { Observable, type SchedulerLike } from 'rxjs';
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
    watch$ = isTerminal(resumeFrom) ? startingWith(resumeFrom) : startingWith(resumeFrom, task$);
  }
  return deadline === undefined ? watch$ : watch$.pipe(untilDeadline(deadline, scheduler));
}

/**
 * `first`, then the states of `then$` that differ from the last one sent
 * (`of(first)` without it): what `startWith` and
 * `distinctUntilChanged(isSameState)` do. Written out because `of` and
 * `startWith` bring RxJS's whole `from`/`concat` machinery into a page's
 * bundle (2.5 KB gzipped of a hub page's 16), for one value, and an operator
 * its operator subscriber (0.3 KB gzipped, with `lift`).
 */
function startingWith(first: TaskState, then$?: Observable<TaskState>): Observable<TaskState> {
  return new Observable<TaskState>((subscriber) => {
    subscriber.next(first);
    if (then$ === undefined) {
      subscriber.complete();
      return undefined;
    }
    // A subscriber that left on the first value (take(1)) never subscribes to the rest, as with startWith.
    if (subscriber.closed) return undefined;
    let last = first;
    return then$.subscribe({
      next: (state) => {
        if (isSameState(last, state)) return;
        last = state;
        subscriber.next(state);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
  });
}
