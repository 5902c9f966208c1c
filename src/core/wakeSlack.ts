import { asyncScheduler, type SchedulerLike } from 'rxjs';

/** The most a source's wake-up for a due poll is put off, on the real clock. */
export const MAX_WAKE_SLACK_MS = 10;

/**
 * How late a source may wake up for a poll that is due, so that the polls of
 * many tasks due close together go out on one wake-up of the process rather
 * than one each: `interval / 100`, at most {@link MAX_WAKE_SLACK_MS}, none
 * under 1 ms (a timer's own resolution).
 *
 * Why: a process polling 512 tasks every second, each poll on its own
 * wake-up, spends most of a poll's CPU waking up (measured in
 * bench/overhead.bench.ts: the same polls cost about three times as much
 * CPU spread out as back to back). Wake-ups rounded to a 10 ms grid serve
 * about five polls each there, and cut the CPU per poll by about a quarter;
 * a 1 s poll is at most 1 % late.
 *
 * Only on the real clock (RxJS's `asyncScheduler`, the default): in virtual
 * time a wake-up costs nothing, and the exact times are what tests read.
 * Only a poll's own due time is put off: the pace the rate-limit headers
 * set, a pause until the server's reset and the budget's window are kept to
 * the millisecond (rounding those would slow a paced source down).
 */
export function wakeSlackFor(scheduler: SchedulerLike, interval: number): number {
  if (scheduler !== asyncScheduler) return 0;
  const slack = Math.min(MAX_WAKE_SLACK_MS, Math.floor(interval / 100));
  return slack >= 1 ? slack : 0;
}

/** `at` put off to the next multiple of `slack` on the clock; `at` itself with no slack, or on the grid already. */
export function slackened(at: number, slack: number): number {
  return slack > 0 ? Math.ceil(at / slack) * slack : at;
}
