import type { TaskState } from '../taskState.js';
import { TaskError, type TaskErrorOptions } from './TaskError.js';

/**
 * Which bound ran out: `total` and `idle` are {@link withTimeout}'s, `deadline`
 * is the one given to `watch` (see {@link WatchOptions.deadline}).
 */
export type TaskTimeout = 'total' | 'idle' | 'deadline';

/** Options of {@link TaskTimeoutError}. */
export interface TaskTimeoutErrorOptions extends TaskErrorOptions {
  /**
   * Which bound ran out: the whole watch (`total`), the wait for a new state
   * (`idle`), or an absolute `deadline` given to `watch`.
   */
  readonly timeout: TaskTimeout;
  /** The length of the bound that ran out, in ms. */
  readonly ms: number;
  /** The last state seen before the deadline, if any. */
  readonly state?: TaskState;
}

/** The task did not finish (or did not change) in time; see `withTimeout`. */
export class TaskTimeoutError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TaskTimeoutError';
  override name = 'TaskTimeoutError';
  /** Which bound ran out: `'total'`, `'idle'` or `'deadline'`. */
  readonly timeout: TaskTimeout;
  /**
   * The length of that bound, in ms. For a `deadline`, the time from the watch's
   * start to it; for a {@link waitForTask} whose stream completed early, how long it was watched.
   */
  readonly ms: number;
  /** The last state seen before time ran out; unset when none came. */
  readonly state?: TaskState;

  constructor(message: string, options: TaskTimeoutErrorOptions) {
    super(message, 'TASK_TIMEOUT', {
      ...options,
      provider: options.provider ?? options.state?.provider,
      taskId: options.taskId ?? options.state?.id,
    });
    this.timeout = options.timeout;
    this.ms = options.ms;
    if (options.state !== undefined) this.state = options.state;
  }
}
