/**
 * The most of `times` (ms) that fall within any one window `[t, t + windowMs)`,
 * wherever the window starts: what a provider that counts requests "per
 * second" over a sliding window sees. Used by the request log and handy for
 * your own assertions.
 *
 * ```ts
 * import { maxInAnyWindow } from 'rx-task-status/testing';
 *
 * console.log(maxInAnyWindow([0, 400, 999, 1000, 1400], 1000)); // 3: 0, 400 and 999
 * ```
 */
export function maxInAnyWindow(times: readonly number[], windowMs = 1000): number {
  if (!(windowMs > 0)) throw new TypeError(`Expected \`windowMs\` to be a positive number, got ${String(windowMs)}.`);
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
