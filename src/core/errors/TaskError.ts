/** Stable, documented codes: match on these (or on the classes), never on messages. */
export type TaskErrorCode =
  | 'TASK_NOT_FOUND'
  | 'AUTHENTICATION'
  | 'RATE_LIMITED'
  | 'DECODE'
  | 'TRANSPORT'
  | 'TASK_TIMEOUT'
  | 'TASK_INCOMPLETE'
  | 'TASK_FAILED'
  | 'PROVIDER';

/** What every error of this library can be told on top of its message; each field becomes the error's field of the same name. */
export interface TaskErrorOptions {
  /** The error this one was made from (already stripped of secrets). */
  readonly cause?: unknown;
  /** Name of the provider whose request failed. */
  readonly provider?: string | undefined;
  /** Id of the task concerned. */
  readonly taskId?: string | undefined;
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

  /**
   * `instanceof` by class and brand: an error made by the other module format's
   * copy of this package (ESM beside CommonJS) has another prototype chain, and
   * still passes.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null) return false;
    for (let proto = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if ((proto.constructor as { brand?: unknown } | undefined)?.brand === this.brand) return true;
    }
    return false;
  }

  /** The class's name (`'TaskError'`, `'RateLimitError'`, …), as logs print it. */
  override name = 'TaskError';
  /** What kind of failure this is; one per class, stable across versions. */
  readonly code: TaskErrorCode;
  /**
   * The provider concerned (`'stream'`, `'mobizon'`, …). Set on every error of
   * a poll; unset when not known, as on a timeout before any state came.
   */
  readonly provider?: string | undefined;
  /** The id of the task concerned; set like `provider`. */
  readonly taskId?: string | undefined;
  /** Extra facts as plain data (the provider's error code, the error body), with secrets removed; unset when there are none. */
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
