/**
 * Everything in rx-task-status that runs wherever RxJS and `fetch` do: Node,
 * browsers, workers. The package entry adds the Node-only stream adapters
 * (`toReadable`, `toNdjson`); browser bundlers resolve the package to this
 * file (the `browser` condition of its exports map).
 */
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
  type TaskTimeout,
  type TaskTimeoutErrorOptions,
  type TransportErrorOptions,
  type TransportFailure,
} from './core/errors/index.js';
export { defineProvider, type TaskSource, type TaskSourceFactory } from './core/defineProvider.js';
export { streamTasks, STREAM_CHAT_BASE_URL, STREAM_VIDEO_BASE_URL, type StreamOptions } from './providers/stream.js';
export { mobizonTasks, MOBIZON_DOMAINS, type MobizonOptions } from './providers/mobizon.js';
export { postmanTasks, POSTMAN_BASE_URL, type PostmanOptions, type PostmanTaskRef } from './providers/postman.js';
export { lenient, LooseNumber, Timestamp } from './providers/codecs.js';
export { StreamApiError, StreamTaskResponse } from './providers/streamCodecs.js';
export { MOBIZON_CODES, MobizonEnvelope, MobizonTaskStatus } from './providers/mobizonCodecs.js';
export { PostmanLegacyError, PostmanProblem, PostmanTask } from './providers/postmanCodecs.js';
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
export {
  exponentialInterval,
  fixedInterval,
  progressAwareInterval,
  type ExponentialIntervalOptions,
  type IntervalPolicy,
  type NextPollDelay,
  type PollObservation,
  type ProgressAwareOptions,
} from './core/intervalPolicy.js';
export { whenDocumentHidden, type VisibilityDocument } from './core/whenDocumentHidden.js';
export { DEFAULT_RETRY, type RetryOptions, type RetryPolicy } from './core/backoff.js';
export type { ResponseLike } from './core/readBody.js';
export type { FetchLike, HttpMethod, HttpRequest, HttpResponse, Transport } from './core/http.js';
export { parseRetryAfter, readRateLimitHints, type HeaderReader, type RateLimitHints } from './core/rateLimitHints.js';
export { decodeJsonBody, decodeWith, describeValidationErrors, parseJsonBody, type DecodedBody } from './core/decodeBody.js';
export { httpFailure, type HttpFailureInput } from './core/httpFailure.js';
export { untilTerminal, type UntilTerminalOptions } from './operators/untilTerminal.js';
export { withTimeout, type WithTimeoutConfig } from './operators/withTimeout.js';
export { combineTasks, type CombineTasksOptions, type TaskInputs, type TaskSnapshot } from './operators/combineTasks.js';
export type { TaskBatchState, TaskCounts, TaskErrors } from './operators/taskBatchState.js';
export { waitForTask, type WaitForTaskOptions } from './adapters/waitForTask.js';
export { toAsyncIterable } from './adapters/toAsyncIterable.js';
