import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** Options of {@link DecodeError}. */
export interface DecodeErrorOptions extends TaskErrorOptions {
  /** One line per failed field, such as `data.progress: expected number, got "abc"`. */
  readonly paths?: readonly string[] | undefined;
}

/** A response body was not what the provider's format says it is. Never retried. */
export class DecodeError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:DecodeError';
  override name = 'DecodeError';
  /**
   * One line per field that failed, such as `data.progress: expected number, got "abc"`;
   * `(body): expected JSON` when it was not JSON; empty when no field was to blame
   * (a custom provider's invalid state). Frozen.
   */
  readonly paths: readonly string[];

  constructor(message: string, options: DecodeErrorOptions = {}) {
    super(message, 'DECODE', options);
    this.paths = Object.freeze([...(options.paths ?? [])]);
  }
}
