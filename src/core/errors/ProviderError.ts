import { TaskError, type TaskErrorOptions } from './TaskError.js';

/** Options of {@link ProviderError}. */
export interface ProviderErrorOptions extends TaskErrorOptions {
  /** The provider's own error code (Mobizon's `code`, Stream's `code`, …). */
  readonly providerCode?: string | number | undefined;
}

/** Any other error the provider reported, with its own code and message. Never retried. */
export class ProviderError extends TaskError {
  protected static override readonly brand: string = 'rx-task-status:ProviderError';
  override name = 'ProviderError';
  /** The provider's own error code, as it sent it (Mobizon's envelope `code`, for instance); unset when it sent none. */
  readonly providerCode?: string | number | undefined;

  constructor(message: string, options: ProviderErrorOptions = {}) {
    super(message, 'PROVIDER', options);
    if (options.providerCode !== undefined) this.providerCode = options.providerCode;
  }
}
