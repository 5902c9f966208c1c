import { TaskError, type TaskErrorOptions } from './TaskError.js';

/**
 * - `network`: the connection failed or was cut.
 * - `timeout`: no complete response within `requestTimeout`.
 * - `status`: an HTTP status that is an error and means nothing more specific (5xx, 408, …).
 * - `body-too-large`: the body went past `maxBodyBytes` and was cut off.
 */
export type TransportFailure = 'network' | 'timeout' | 'status' | 'body-too-large';

/** Options of {@link TransportError}. */
export interface TransportErrorOptions extends TaskErrorOptions {
  /** The HTTP status, when a response came. */
  readonly status?: number;
  /** What went wrong. */
  readonly reason: TransportFailure;
}

/** The request did not get a usable answer; emitted once retries are spent. */
export class TransportError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TransportError';
  override name = 'TransportError';
  /** The HTTP status of the last response (`503`, `408`, …); set when `reason` is `'status'`. */
  readonly status?: number;
  /** What went wrong with the last attempt: see {@link TransportFailure}. */
  readonly reason: TransportFailure;

  constructor(message: string, options: TransportErrorOptions) {
    super(message, 'TRANSPORT', options);
    if (options.status !== undefined) this.status = options.status;
    this.reason = options.reason;
  }
}
