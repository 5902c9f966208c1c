import {
  AuthenticationError,
  RateLimitError,
  TaskError,
  TaskNotFoundError,
  TransportError,
} from './errors/index.js';
import { messageOf } from './errors/errorLike.js';
import type { HttpResponse } from './http.js';
import { expectDelay, expectInteger, show } from './validate.js';

// The one place that decides, for a failed poll, whether to try again, how
// long to wait first, and whether the whole source must wait too; and what an
// HTTP status or a failed request means for that.

/** How failed polls are retried. Every field has a default; see {@link DEFAULT_RETRY}. */
export interface RetryOptions {
  /** Consecutive failed polls tolerated before the stream errors. Default 5. */
  readonly retries?: number | undefined;
  /** Delay before the first retry, in ms. Default 1000. */
  readonly minDelay?: number | undefined;
  /** Growth of the delay per further failure. Default 2. */
  readonly factor?: number | undefined;
  /** The delay never grows past this, in ms. Default 30000. */
  readonly maxDelay?: number | undefined;
}

/** {@link RetryOptions} with every field filled in. */
export type RetryPolicy = { readonly [K in keyof RetryOptions]-?: Exclude<RetryOptions[K], undefined> };

/** The retry defaults of every source, under the provider's own (Postman's: 9 retries, up to 60 s). */
export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minDelay: 1000, factor: 2, maxDelay: 30_000 };

/**
 * The retry policy of `layers` (a provider's defaults, then the user's
 * options) over {@link DEFAULT_RETRY}, each over the one before; a field
 * given as `undefined` keeps the one beneath, as if it were left out.
 */
export function normalizeRetry(...layers: readonly (RetryOptions | undefined)[]): RetryPolicy {
  const policy: { -readonly [K in keyof RetryPolicy]: unknown } = { ...DEFAULT_RETRY };
  for (const layer of layers) {
    for (const key of RETRY_FIELDS) if (layer?.[key] !== undefined) policy[key] = layer[key];
  }
  expectInteger('retry.retries', policy.retries, 0);
  expectDelay('retry.minDelay', policy.minDelay, { allowZero: true });
  expectDelay('retry.maxDelay', policy.maxDelay, { allowZero: true });
  if (typeof policy.factor !== 'number' || !(policy.factor >= 1) || !Number.isFinite(policy.factor)) {
    throw new TypeError(`Expected \`retry.factor\` to be a finite number of at least 1, got ${show(policy.factor)}.`);
  }
  return policy as RetryPolicy;
}

const RETRY_FIELDS = ['retries', 'minDelay', 'factor', 'maxDelay'] as const;

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

/** Why a poll did not yield a state, and what the source should do about it. */
export interface ProviderFailure {
  /** The error the stream ends with: at once when not `retryable`, else after more than `retry.retries` failed polls in a row. */
  readonly error: TaskError;
  /** Transient (5xx, rate limited, …): poll again after a backoff. Otherwise the stream ends with `error`. */
  readonly retryable: boolean;
  /** The provider's own "come back in" hint, on top of the backoff. */
  readonly retryAfterMs?: number | undefined;
  /**
   * The account lives at another base URL (Mobizon's code 13): the source moves
   * there, for all its tasks, and polls again at once. A task moves at most once;
   * a second move ends its stream with `error`. Only a URL on one of the
   * provider's {@link ProviderSetup.hosts} is followed; any other ends the
   * stream with a `ProviderError` that names the refused host.
   */
  readonly moveTo?: string | undefined;
}

/** What a poll loop must do after a failed poll. */
export type RetryDecision =
  /** Give up: the stream ends with this error. */
  | { readonly stop: TaskError }
  | {
      readonly stop?: undefined;
      /** Poll again at this time, not before. */
      readonly retryAt: number;
      /** Every task of the source waits until then too: the server asked the account to stay away. */
      readonly pauseSourceUntil?: number | undefined;
    };

/** What {@link decideRetry} reads. */
export interface FailedPoll {
  readonly failure: ProviderFailure;
  /** Failed polls in a row, this one included. */
  readonly failures: number;
  /** The answer, when one came. */
  readonly response?: HttpResponse | undefined;
  readonly now: number;
}

/**
 * Retry, wait, or stop. A final failure, or one failure more than
 * `retry.retries` in a row, stops. Otherwise the next poll waits for the
 * backoff or for as long as the server asked, whichever is longer; and since
 * the server speaks of the account, not of one task, its wait (or, after a
 * 429 that named none, the backoff) pauses the whole source.
 */
export function decideRetry({ failure, failures, response, now }: FailedPoll, policy: RetryPolicy, random: () => number): RetryDecision {
  if (!failure.retryable || failures > policy.retries) return { stop: failure.error };
  const rateLimited = failure.error instanceof RateLimitError;
  const wait = serverWait(failure, response, now, rateLimited);
  const delay = Math.max(retryDelay(failures, policy, random), wait);
  const pause = wait > 0 || rateLimited ? now + (rateLimited ? delay : wait) : undefined;
  return { retryAt: now + delay, ...(pause === undefined ? {} : { pauseSourceUntil: pause }) };
}

/**
 * How long the server asked us to stay away: the provider's hint, `Retry-After`,
 * or until the window's reset when the budget is spent (`Remaining: 0`) or the
 * answer was a 429 (whatever `Remaining` claims).
 */
function serverWait(failure: ProviderFailure, response: HttpResponse | undefined, now: number, rateLimited: boolean): number {
  const hints = response?.hints;
  const untilReset = hints?.resetAt !== undefined && (rateLimited || hints.remaining === 0) ? hints.resetAt - now : 0;
  return Math.max(failure.retryAfterMs ?? 0, hints?.retryAfterMs ?? 0, untilReset, 0);
}

/**
 * A request that failed on the way to an answer, as a failure to decide on.
 * Network failures and time-outs are worth another try; a body over the size
 * cap or a redirect that is not followed is not, and a `TaskError` of any
 * other kind (a provider's `request` that refused, say) is final. Anything
 * else came from a custom transport and is taken as a network failure.
 */
export function requestFailure(error: unknown, id: string): ProviderFailure {
  if (error instanceof TransportError) return { error, retryable: error.reason !== 'body-too-large' && error.reason !== 'redirect' };
  if (error instanceof TaskError) return { error, retryable: false };
  return { error: new TransportError(`Request for task ${id} failed: ${messageOf(error)}`, { reason: 'network', cause: error }), retryable: true };
}

/** What {@link httpFailure} reads. */
export interface HttpFailureInput {
  /** The failed response; its status decides, its `Retry-After` gives a 429's wait. */
  readonly response: HttpResponse;
  /** What was asked, for the message: `Stream task abc`. */
  readonly what: string;
  /** The provider's own explanation, when its error body had one. */
  readonly reason?: string | undefined;
  /** Becomes the error's `details`. */
  readonly details?: unknown;
}

/**
 * The usual meaning of an HTTP error status, for providers that use them:
 * 401/403 authentication, 404/410 not found, 429 rate limited (retryable, with
 * the server's wait), 408 and 5xx transient, other 4xx final.
 */
export function httpFailure({ response, what, reason, details }: HttpFailureInput): ProviderFailure {
  const { status } = response;
  const because = reason ? `: ${reason}` : '';
  const options = details === undefined ? {} : { details };
  const final = (error: TaskError): ProviderFailure => ({ error, retryable: false });
  if (status === 401 || status === 403) return final(new AuthenticationError(`${what} was refused (HTTP ${status})${because}`, options));
  if (status === 404 || status === 410) return final(new TaskNotFoundError(`${what} was not found (HTTP ${status})${because}`, options));
  if (status === 429) {
    const retryAfterMs = response.hints.retryAfterMs;
    return {
      error: new RateLimitError(`${what} was rate limited (HTTP 429)${because}`, { ...options, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }),
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const transient = status === 408 || status >= 500;
  return {
    error: new TransportError(`${what} failed with HTTP ${status}${because}`, { ...options, status, reason: 'status' }),
    retryable: transient,
  };
}
