import type { TaskState } from '../taskState.js';
import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** The task itself reached the `failed` state; `state` says how. */
export class TaskFailedError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TaskFailedError';
  override name = 'TaskFailedError';
  /** The `failed` state itself: its `error` says why, its `raw` what the provider sent. */
  readonly state: TaskState;

  constructor(state: TaskState, options: Omit<TaskErrorOptions, 'provider' | 'taskId'> = {}) {
    const why = state.error?.message ? `: ${state.error.message}` : '';
    super(`Task ${state.id} (${state.provider}) failed${why}`, 'TASK_FAILED', {
      ...options,
      provider: state.provider,
      taskId: state.id,
    });
    this.state = state;
  }
}
