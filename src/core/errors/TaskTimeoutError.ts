import type { TaskState } from '../taskState.js';
import { TaskError, type TaskErrorOptions } from './TaskError.js';

export type TaskTimeout = 'total' | 'idle' | 'deadline';

export interface TaskTimeoutErrorOptions extends TaskErrorOptions {
  /**
   * Which bound ran out: the whole watch (`total`), the wait for a new state
   * (`idle`), or an absolute `deadline` given to `watch`.
   */
  readonly timeout: TaskTimeout;
  readonly ms: number;
  /** The last state seen before the deadline, if any. */
  readonly state?: TaskState;
}

/** The task did not finish (or did not change) in time; see `withTimeout`. */
export class TaskTimeoutError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TaskTimeoutError';
  override name = 'TaskTimeoutError';
  readonly timeout: TaskTimeout;
  readonly ms: number;
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
