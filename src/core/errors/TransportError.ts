import { TaskError, type TaskErrorOptions } from './TaskError.js';

/**
 * - `network`: the connection failed or was cut.
 * - `timeout`: no complete response within `requestTimeout`.
 * - `status`: an HTTP status that is an error and means nothing more specific (5xx, 408, …).
 * - `body-too-large`: the body went past `maxBodyBytes` and was cut off.
 * - `redirect`: the answer was a redirect that is not followed (to a host that
 *   is not the provider's, a loop, an opaque redirect in a browser): final,
 *   since following it would send the credentials elsewhere.
 */
export type TransportFailure = 'network' | 'timeout' | 'status' | 'body-too-large' | 'redirect';

/** Options of {@link TransportError}. */
export interface TransportErrorOptions extends TaskErrorOptions {
  /** The HTTP status, when a response came. */
  readonly status?: number | undefined;
  /** What went wrong. */
  readonly reason: TransportFailure;
}

/** The request did not get a usable answer; emitted once retries are spent. */
export class TransportError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:TransportError';
  override name = 'TransportError';
  /** The HTTP status of the last response (`503`, `408`, `302`, …); set when `reason` is `'status'`, and on a refused `'redirect'`. */
  readonly status?: number | undefined;
  /** What went wrong with the last attempt: see {@link TransportFailure}. */
  readonly reason: TransportFailure;

  constructor(message: string, options: TransportErrorOptions) {
    super(message, 'TRANSPORT', options);
    if (options.status !== undefined) this.status = options.status;
    this.reason = options.reason;
  }
}
