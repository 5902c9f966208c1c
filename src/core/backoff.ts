import { expectDelay, expectInteger, show } from './validate.js';

/** How failed polls are retried. Every field has a default; see {@link DEFAULT_RETRY}. */
export interface RetryOptions {
  /** Consecutive failed polls tolerated before the stream errors. Default 5. */
  readonly retries?: number;
  /** Delay before the first retry, in ms. Default 1000. */
  readonly minDelay?: number;
  /** Growth of the delay per further failure. Default 2. */
  readonly factor?: number;
  /** The delay never grows past this, in ms. Default 30000. */
  readonly maxDelay?: number;
}

/** {@link RetryOptions} with every field filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The retry defaults of every source, under the provider's own (Postman's: 9 retries, up to 60 s). */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minDelay: 1000, factor: 2, maxDelay: 30_000 };

export function normalizeRetry(options: RetryOptions | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...options };
  expectInteger('retry.retries', policy.retries, 0);
  expectDelay('retry.minDelay', policy.minDelay, { allowZero: true });
  expectDelay('retry.maxDelay', policy.maxDelay, { allowZero: true });
  if (typeof policy.factor !== 'number' || !(policy.factor >= 1) || !Number.isFinite(policy.factor)) {
    throw new TypeError(`Expected \`retry.factor\` to be a finite number of at least 1, got ${show(policy.factor)}.`);
  }
  return policy;
}

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with
 * "equal jitter": half the delay is kept, the other half drawn at random. The
 * kept half means retries are never bunched at zero; the random half spreads
 * tasks that failed together so they do not come back together.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** (attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}
