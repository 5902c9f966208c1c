export { isTerminal, type TaskState, type TaskStateError, type TaskStateInit, type TaskStatus } from './core/taskState.js';
export {
  AuthenticationError,
  DecodeError,
  ProviderError,
  RateLimitError,
  TaskError,
  TaskFailedError,
  TaskNotFoundError,
  TaskTimeoutError,
  TransportError,
  type DecodeErrorOptions,
  type ProviderErrorOptions,
  type RateLimitErrorOptions,
  type TaskErrorCode,
  type TaskErrorOptions,
  type TaskTimeoutErrorOptions,
  type TransportErrorOptions,
  type TransportFailure,
} from './core/errors/index.js';
export { defineProvider, type TaskSource, type TaskSourceFactory } from './core/defineProvider.js';
export type {
  DecodeInput,
  DecodeResult,
  ProviderDefinition,
  ProviderFailure,
  ProviderRequest,
  ProviderSetup,
  RequestInput,
  TaskIdentity,
} from './core/provider.js';
export type { ProviderDefaults, SourceOptions, WatchOptions } from './core/sourceOptions.js';
export type { RetryOptions } from './core/backoff.js';
export type { FetchLike, HttpMethod, HttpRequest, HttpResponse, Transport } from './core/http.js';
export { parseRetryAfter, readRateLimitHints, type HeaderReader, type RateLimitHints } from './core/rateLimitHints.js';
export { decodeWith, describeValidationErrors, parseJsonBody } from './core/decodeBody.js';
export { httpFailure, type HttpFailureInput } from './core/httpFailure.js';
