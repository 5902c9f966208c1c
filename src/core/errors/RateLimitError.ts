import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** Options of {@link RateLimitError}. */
export interface RateLimitErrorOptions extends TaskErrorOptions {
  /** How long the provider asked us to wait, in ms, when it said. */
  readonly retryAfterMs?: number | undefined;
  /**
   * `true` when the quota itself is used up (Postman's `serviceLimitExhausted`):
   * waiting a few seconds will not help, so this is never retried.
   */
  readonly exhausted?: boolean | undefined;
}

/**
 * The provider refused the request for its rate limit: either after the
 * library's retries were spent, or at once when the quota is exhausted.
 */
export class RateLimitError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:RateLimitError';
  override name = 'RateLimitError';
  /** How long the provider asked to wait before the next request, in ms (from `Retry-After` or its own rule); unset when it did not say. */
  readonly retryAfterMs?: number | undefined;
  /**
   * `true` when the quota itself is used up (Postman's `serviceLimitExhausted`,
   * a Stream rate-limit error marked `unrecoverable`): waiting will not help,
   * and it was not retried. `false` for an ordinary rate limit whose retries ran out.
   */
  readonly exhausted: boolean;

  constructor(message: string, options: RateLimitErrorOptions = {}) {
    super(message, 'RATE_LIMITED', options);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.exhausted = options.exhausted ?? false;
  }
}
