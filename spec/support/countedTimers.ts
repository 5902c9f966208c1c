import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

/** A scheduler that counts its live timers: scheduled, and neither fired nor cancelled yet. */
export type CountedScheduler = SchedulerLike & { liveTimers(): number };

/** Wraps `scheduler` (virtual or real) so that a test can tell whether anything is still scheduled. */
export function countedTimers(scheduler: SchedulerLike): CountedScheduler {
  let live = 0;
  return {
    now: () => scheduler.now(),
    liveTimers: () => live,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      live++;
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          live--;
        }
      };
      const inner = scheduler.schedule(
        function (this: SchedulerAction<T>, s?: T) {
          finish();
          work.call(this, s);
        },
        delay,
        state,
      );
      return new Subscription(() => {
        finish();
        inner.unsubscribe();
      });
    },
  };
}
