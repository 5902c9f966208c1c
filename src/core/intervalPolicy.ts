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
   * next poll goes halfway to it (no further than `maxGap`). Default 2.
   */
  readonly approach?: number | undefined;
  /** Aim this fraction of the remaining time past the predicted finish, so a poll does not land just before it. Default 0.05. */
  readonly overshoot?: number | undefined;
  /**
   * The longest gap between two polls of a task that reports progress, in
   * intervals, however far its predicted finish. Progress foretells when a
   * task completes, not when it fails, and a failure can come at any moment:
   * this bounds how late one is seen. Larger: fewer requests, failures seen
   * later; `Infinity` trusts the prediction alone (a failure may be seen up to
   * half the remaining time late). Default 1.1.
   */
  readonly maxGap?: number | undefined;
}

/**
 * For providers that report progress: estimates when the task will finish
 * from the moments its progress changed, and polls just past that moment;
 * until then, every `maxGap` intervals (default 1.1), so a task that fails on
 * the way is seen about as soon as on a fixed interval. A task with steady
 * progress costs a little fewer requests than on a fixed interval, and its end
 * is seen within moments instead of up to an interval late. A poll that finds
 * the task unfinished past its predicted end waits as long again as it is late
 * (so a stalled task is not polled at the floor). Without progress it polls on
 * the plain interval.
 *
 * A change of progress is dated midway between the last answer before it and
 * the first after it; the rate comes from the first change to the latest.
 * With one change only, the whole step is put down to the time since it: an
 * estimate that errs early, so a short task is not left to a long gap.
 *
 * @param options `approach`, `overshoot`, `maxGap`.
 * @return A policy to pass as a source's or a watch's `policy`.
 *
 * ## Example
 * ```ts
 * import { mobizonTasks, progressAwareInterval } from 'rx-task-status';
 *
 * // Fewer requests, failures seen later: up to 2.5 intervals between polls.
 * const sms = mobizonTasks({ apiKey: process.env.MOBIZON_KEY ?? '', policy: progressAwareInterval({ maxGap: 2.5 }) });
 * ```
 */
export function progressAwareInterval(options: ProgressAwareOptions = {}): IntervalPolicy {
  const approach = expectPositiveNumber('approach', options.approach ?? 2);
  const overshoot = expectPositiveNumber('overshoot', options.overshoot ?? 0.05, { allowZero: true });
  const maxGap = expectPositiveNumber('maxGap', options.maxGap ?? 1.1, { allowInfinity: true });
  return {
    name: 'progress',
    create: (interval) => {
      const longest = maxGap * interval;
      // Before progress moves there is nothing to predict, and a failure can come as at any other time.
      const waiting = Number.isFinite(longest) ? longest : interval;
      // Without a provider's minimum gap, polls past the predicted finish would follow each other at once.
      const shortest = Math.min(interval / 4, longest);
      let last: Sighting | undefined;
      let first: (Sighting & { from: number }) | undefined;
      let latest: Sighting | undefined;
      return ({ state, at, startedAt }) => {
        const progress = state.progress;
        if (progress === undefined) return interval;
        if (last === undefined || progress < last.progress) {
          last = { at, progress };
          first = latest = undefined;
          return waiting;
        }
        if (progress > last.progress) {
          const change = { at: (last.at + at) / 2, progress };
          if (first === undefined) first = { ...change, from: last.progress };
          else latest = change;
        }
        last = { at, progress };
        if (first === undefined) return waiting;
        const finish =
          latest === undefined
            ? at + ((1 - progress) * (at - first.at)) / (progress - first.from)
            : latest.at + ((1 - latest.progress) * (latest.at - first.at)) / (latest.progress - first.progress);
        const remaining = finish - at;
        const ahead = remaining < 0 ? -remaining : remaining > approach * interval ? remaining / 2 : remaining * (1 + overshoot) + 1;
        return at - startedAt + Math.min(longest, Math.max(shortest, ahead));
      };
    },
  };
}

/** When a progress was seen (or, for a change, when it is estimated to have been reached). */
interface Sighting {
  readonly at: number;
  readonly progress: number;
}
