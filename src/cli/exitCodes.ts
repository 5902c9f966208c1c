import { AuthenticationError, TaskTimeoutError, type TaskState } from '../index.js';

/** What the process exit code means; scripts branch on these. */
export const EXIT = {
  /** Every task completed. */
  completed: 0,
  /** A task failed, or could not be followed (not found, network errors once retries were spent). */
  failed: 1,
  /** `--timeout` ran out before every task ended. */
  timeout: 2,
  /** A usage error (bad argument, missing credential) or an authentication error. */
  usage: 3,
  /** Stopped by Ctrl-C (128 + SIGINT), as shells expect. */
  interrupted: 130,
  /** The reader of stdout went away (128 + SIGPIPE): what a shell reports for `… | head -n 1`. */
  pipeClosed: 141,
  /** Stopped by SIGTERM (128 + SIGTERM), as `kill` and `timeout` send it. */
  terminated: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit code of a watch that ran to its end. When several apply, the one
 * a caller most needs to act on wins: fix the credentials (3), then wait
 * longer (2), then look at the failures (1).
 */
export function exitCodeOf({ states, errors }: { states: readonly (TaskState | undefined)[]; errors: readonly unknown[] }): ExitCode {
  if (errors.some((error) => error instanceof AuthenticationError)) return EXIT.usage;
  if (errors.some((error) => error instanceof TaskTimeoutError)) return EXIT.timeout;
  if (errors.some((error) => error !== undefined) || states.some((state) => state?.status !== 'completed')) return EXIT.failed;
  return EXIT.completed;
}

/**
 * A mistake in how the command was called (an argument, an option, a missing
 * credential). It never leaves `run()`: it becomes a one-line message on
 * stderr and exit code 3. Its message never contains a credential's value.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
