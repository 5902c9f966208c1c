/** Stable, documented codes: match on these (or on the classes), never on messages. */
export type TaskErrorCode =
  | 'TASK_NOT_FOUND'
  | 'AUTHENTICATION'
  | 'RATE_LIMITED'
  | 'DECODE'
  | 'TRANSPORT'
  | 'TASK_TIMEOUT'
  | 'TASK_FAILED'
  | 'PROVIDER';

export interface TaskErrorOptions {
  /** The error this one was made from (already stripped of secrets). */
  readonly cause?: unknown;
  /** Name of the provider whose request failed. */
  readonly provider?: string;
  /** Id of the task concerned. */
  readonly taskId?: string;
  /** Anything else worth knowing, as plain data. */
  readonly details?: unknown;
}

/**
 * The base of every error this library emits. Each subclass has a stable
 * {@link TaskError.code}; `instanceof` works for the class and its base, even
 * between the ESM and CommonJS copies of this package loaded side by side.
 */
export class TaskError extends Error {
  /** Used by `instanceof` across copies of the package; one per class. */
  protected static readonly brand: string = 'rx-task-status:TaskError';

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if ((proto.constructor as { brand?: unknown } | undefined)?.brand === this.brand) return true;
    }
    return false;
  }

  override name = 'TaskError';
  readonly code: TaskErrorCode;
  readonly provider?: string;
  readonly taskId?: string;
  readonly details?: unknown;

  constructor(message: string, code: TaskErrorCode, options: TaskErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.taskId !== undefined) this.taskId = options.taskId;
    if (options.details !== undefined) this.details = options.details;
  }

  /** A plain, loggable object: name, code, message and the subclass's own fields. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'name' && value !== undefined) json[key] = value;
    }
    return json;
  }
}
