import type { TaskBatchState } from '../../operators/taskBatchState.js';
import type { TaskState } from '../taskState.js';
import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** Options of {@link TaskIncompleteError}. */
export interface TaskIncompleteErrorOptions extends TaskErrorOptions {
  /** How long the stream was followed before it ended, in ms. */
  readonly ms: number;
  /** The last state seen before the stream ended, if any. */
  readonly state?: TaskState | undefined;
  /** For a batch cut short: the last batch seen, if any. */
  readonly batch?: TaskBatchState<unknown> | undefined;
}

/**
 * The stream of a task (or a batch) completed before a terminal state: cut
 * short by `take`, `takeUntil`, a webhook Subject closed early. Nothing timed
 * out and nothing failed: the task may still finish, and watching it again
 * will tell. `waitForTask` and `waitForBatch` reject with it.
 */
export class TaskIncompleteError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TaskIncompleteError';
  override name = 'TaskIncompleteError';
  /** How long the stream was followed before it ended, in ms. */
  readonly ms: number;
  /** The last state seen before the stream ended; unset when none came, or for a batch. */
  readonly state?: TaskState | undefined;
  /** For a batch: the last batch seen before its stream ended; unset when none came, or for a single task. */
  readonly batch?: TaskBatchState<unknown> | undefined;

  constructor(message: string, options: TaskIncompleteErrorOptions) {
    super(message, 'TASK_INCOMPLETE', {
      ...options,
      provider: options.provider ?? options.state?.provider,
      taskId: options.taskId ?? options.state?.id,
    });
    this.ms = options.ms;
    if (options.state !== undefined) this.state = options.state;
    if (options.batch !== undefined) this.batch = options.batch;
  }
}
