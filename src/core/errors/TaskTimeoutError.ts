import type { TaskBatchState } from '../../operators/taskBatchState.js';
import type { TaskState } from '../taskState.js';
import { TaskError, type TaskErrorOptions } from './TaskError.js';

/**
 * Which bound ran out: `total`, `idle` and `stalled` are {@link withTimeout}'s,
 * `deadline` is the one given to `watch` (see {@link WatchOptions.deadline}).
 */
export type TaskTimeout = 'total' | 'idle' | 'stalled' | 'deadline';

/** Options of {@link TaskTimeoutError}. */
export interface TaskTimeoutErrorOptions extends TaskErrorOptions {
  /**
   * Which bound ran out: the whole watch (`total`), the wait for a new state
   * (`idle`), the wait for an answer from the provider (`stalled`), or an
   * absolute `deadline` given to `watch`.
   */
  readonly timeout: TaskTimeout;
  /** The length of the bound that ran out, in ms. */
  readonly ms: number;
  /** The last state seen before the deadline, if any. */
  readonly state?: TaskState | undefined;
  /** For a batch that ran out of time: the last batch seen, if any. */
  readonly batch?: TaskBatchState<unknown> | undefined;
}

/**
 * The task (or the batch) did not finish, change or get an answer in time;
 * see `withTimeout`. When polls were failing as time ran out, `cause` is the
 * last failure (a `TransportError` for a refused connection, say) and the
 * message says it.
 */
export class TaskTimeoutError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TaskTimeoutError';
  override name = 'TaskTimeoutError';
  /** Which bound ran out: `'total'`, `'idle'`, `'stalled'` or `'deadline'`. */
  readonly timeout: TaskTimeout;
  /**
   * The length of that bound, in ms. For a `deadline`, the time from the watch's
   * start to it.
   */
  readonly ms: number;
  /** The last state seen before time ran out; unset when none came. */
  readonly state?: TaskState | undefined;
  /** For a batch: the last batch seen before time ran out; unset when none came, or for a single task. */
  readonly batch?: TaskBatchState<unknown> | undefined;

  constructor(message: string, options: TaskTimeoutErrorOptions) {
    super(message, 'TASK_TIMEOUT', {
      ...options,
      provider: options.provider ?? options.state?.provider,
      taskId: options.taskId ?? options.state?.id,
    });
    this.timeout = options.timeout;
    this.ms = options.ms;
    if (options.state !== undefined) this.state = options.state;
    if (options.batch !== undefined) this.batch = options.batch;
  }
}
