import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** The provider does not know the task (wrong id, or expired). Never retried. */
export class TaskNotFoundError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TaskNotFoundError';
  override name = 'TaskNotFoundError';

  constructor(message: string, options: TaskErrorOptions = {}) {
    super(message, 'TASK_NOT_FOUND', options);
  }
}
