// One task clock for the processes of row 8 (bench/hub.bench.ts): the parent
// fixes its origin, and every process reads it from the wall clock, so the
// fake server's "terminal at" and a watcher's "seen at", taken in different
// processes, can be subtracted. (An `acceleratedTime` of each process's own
// would start from that process's own origin.)
import type { SchedulerLike } from 'rxjs';
import { acceleratedTime } from '../../src/testing/acceleratedTime.js';

/** A task clock `factor` times faster than the wall clock, from an origin every process agrees on. */
export interface SharedClock {
  readonly factor: number;
  /** The task clock's reading (ms since the epoch) at `wallOrigin`. */
  readonly epoch: number;
  /** The wall clock (ms since the epoch, sub-millisecond) when the clock started. */
  readonly wallOrigin: number;
}

const wallNow = () => performance.timeOrigin + performance.now();

export function sharedClock(factor: number): SharedClock {
  const wallOrigin = wallNow();
  return { factor, epoch: Math.round(wallOrigin), wallOrigin };
}

/** The clock's `now`, and a scheduler on it (delays in task ms), in this process. */
export function readClock(clock: SharedClock): { now: () => number; scheduler: SchedulerLike } {
  const now = () => clock.epoch + (wallNow() - clock.wallOrigin) * clock.factor;
  // acceleratedTime's timers divide delays by the factor; only its `now` (its own origin) is replaced.
  const { schedule } = acceleratedTime(clock.factor).scheduler;
  return { now, scheduler: { now, schedule } };
}
