import { TestScheduler } from 'rxjs/testing';
import { countedTimers, type CountedScheduler } from './countedTimers.js';

/** A TestScheduler for imperative tests: step virtual time forward and count live timers. */
export interface VirtualTime {
  readonly scheduler: TestScheduler;
  /** The same clock, wrapped so that timers not yet fired nor cancelled can be counted. */
  readonly tracked: CountedScheduler;
  now(): number;
  /** Runs everything due up to and including time `t`, and leaves the clock at `t`. */
  advanceTo(t: number): void;
  advanceBy(ms: number): void;
  /** Runs everything scheduled, however far in the future. */
  flush(): void;
}

export function virtualTime(): VirtualTime {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
  const tracked = countedTimers(scheduler);
  const advanceTo = (t: number) => {
    if (t < scheduler.now()) throw new Error(`cannot go back in time from ${scheduler.now()} to ${t}`);
    scheduler.schedule(() => undefined, t - scheduler.now());
    scheduler.maxFrames = t;
    scheduler.flush();
    scheduler.maxFrames = Number.POSITIVE_INFINITY;
  };
  return {
    scheduler,
    tracked,
    now: () => scheduler.now(),
    advanceTo,
    advanceBy: (ms) => advanceTo(scheduler.now() + ms),
    flush: () => scheduler.flush(),
  };
}

/** The highest number of `times` falling in any window [t, t + windowMs): the testing kit's count. */
export { maxInAnyWindow } from '../../src/testing/log/maxInAnyWindow.js';
