import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** The credentials were refused (missing, wrong, expired, or without access). Never retried. */
export class AuthenticationError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:AuthenticationError';
  override name = 'AuthenticationError';

  constructor(message: string, options: TaskErrorOptions = {}) {
    super(message, 'AUTHENTICATION', options);
  }
}
