import type { TaskState } from './taskState.js';
import { expectDelay, expectPositiveNumber, show } from './validate.js';

/** What a policy sees after each good answer. */
export interface PollObservation {
  /** The state just read. */
  readonly state: TaskState;
  /** When it was read (the scheduler's clock, ms). */
  readonly at: number;
  /** When the request that read it started. */
  readonly startedAt: number;
  /** How many answers this task has had, this one included. */
  readonly polls: number;
}

/** The gap from the start of this poll to the start of the next, in ms; the source then jitters and clamps it. */
export type NextPollDelay = (observation: PollObservation) => number;

/**
 * How the gap between two polls of one task is chosen. A policy makes one
 * function per watched task (so it can remember what it saw); the source clamps
 * its answer between the provider's minimum and `maxInterval`, adds jitter, and
 * never lets a server's `Retry-After` or rate-limit headers be overridden by it.
 */
export interface IntervalPolicy {
  /** For logs and messages: `'fixed'`, `'exponential'`, `'progress'`, or a custom policy's own. */
  readonly name: string;
  /**
   * Called once per watched task, with its interval in ms (the source's, or
   * the watch's own); returns the function asked for each next gap.
   */
  create(interval: number): NextPollDelay;
}

/**
 * Polls every `interval` ms. Predictable, and the detection lag is at most one
 * interval; the cost is `duration / interval` requests per task, long tasks
 * included. The default for providers that report no progress.
 */
export function fixedInterval(): IntervalPolicy {
  return { name: 'fixed', create: (interval) => () => interval };
}

/** Options of {@link exponentialInterval}. */
export interface ExponentialIntervalOptions {
  /** The first gap, ms. Default: the source's `interval`. */
  readonly start?: number | undefined;
  /** Growth of the gap per poll. Default 2. */
  readonly factor?: number | undefined;
  /**
   * The gap never grows past this, ms. Default: the source's `maxInterval`
   * (60000 unless set), which also cuts a larger `cap` down to it.
   */
  readonly cap?: number | undefined;
}

/**
 * Gaps that grow from `start` by `factor` per poll up to `cap` (what AWS
 * waiters do). Few requests for tasks that may run for hours; the price is a
 * detection lag that grows with the task's age, up to `cap`.
 */
export function exponentialInterval(options: ExponentialIntervalOptions = {}): IntervalPolicy {
  const factor = options.factor ?? 2;
  if (typeof factor !== 'number' || !(factor >= 1) || !Number.isFinite(factor)) {
    throw new TypeError(`Expected \`factor\` to be a finite number of at least 1, got ${show(factor)}.`);
  }
  const cap = options.cap === undefined ? Infinity : expectDelay('cap', options.cap);
  const start = options.start === undefined ? undefined : expectDelay('start', options.start);
  return {
    name: 'exponential',
    create: (interval) => {
      const first = start ?? interval;
      return ({ polls }) => Math.min(cap, first * factor ** (polls - 1));
    },
  };
}

/** Options of {@link progressAwareInterval}. */
export interface ProgressAwareOptions {
  /**
   * While the predicted finish is further than this many intervals away, the
   * next poll goes halfway to it. Default 2.
   */
  readonly approach?: number | undefined;
  /** Aim this fraction of the remaining time past the predicted finish, so a poll does not land just before it. Default 0.05. */
  readonly overshoot?: number | undefined;
}

/**
 * For providers that report progress: estimates when the task will finish
 * from the progress seen so far (its rate since it started moving), polls
 * halfway to that moment while it is far, then just past it. A task with
 * steady progress is followed with a handful of requests (about log2 of its
 * duration in intervals) and detected within moments of its end. Without
 * progress, or before progress has moved, it polls on the plain interval.
 * The risk: a task whose progress jumps (90 % in a second, then stalls) is
 * mispredicted; each poll corrects the estimate, and halving keeps an early
 * mistake cheap.
 */
export function progressAwareInterval(options: ProgressAwareOptions = {}): IntervalPolicy {
  const approach = expectPositiveNumber('approach', options.approach ?? 2);
  const overshoot = expectPositiveNumber('overshoot', options.overshoot ?? 0.05, { allowZero: true });
  return {
    name: 'progress',
    create: (interval) => {
      let previous: { at: number; progress: number } | undefined;
      // Where the estimate counts from: midway between the last sight of the
      // starting progress and the first sight of a higher one.
      let anchor: { at: number; progress: number } | undefined;
      return ({ state, at, startedAt }) => {
        const progress = state.progress;
        if (progress === undefined) return interval;
        if (previous === undefined || progress < previous.progress) {
          previous = { at, progress };
          anchor = undefined;
          return interval;
        }
        if (anchor === undefined) {
          if (progress === previous.progress) {
            previous = { at, progress };
            return interval;
          }
          anchor = { at: (previous.at + at) / 2, progress: previous.progress };
        }
        previous = { at, progress };
        const rate = (progress - anchor.progress) / Math.max(1, at - anchor.at);
        if (!(rate > 0)) return interval;
        const remaining = (1 - progress) / rate;
        const ahead = remaining > approach * interval ? remaining / 2 : remaining * (1 + overshoot) + 1;
        return at - startedAt + ahead;
      };
    },
  };
}
