import {
  AuthenticationError,
  RateLimitError,
  TaskNotFoundError,
  TransportError,
  type TaskError,
} from './errors/index.js';
import type { HttpResponse } from './http.js';
import type { ProviderFailure } from './provider.js';

/** What {@link httpFailure} reads. */
export interface HttpFailureInput {
  /** The failed response; its status decides, its `Retry-After` gives a 429's wait. */
  readonly response: HttpResponse;
  /** What was asked, for the message: `Stream task abc`. */
  readonly what: string;
  /** The provider's own explanation, when its error body had one. */
  readonly reason?: string;
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
