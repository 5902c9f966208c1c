/**
 * Everything in rx-task-status that runs wherever RxJS and `fetch` do: Node,
 * browsers, workers. The package entry adds the Node-only stream adapters
 * (`toReadable`, `toNdjson`); browser bundlers resolve the package to this
 * file (the `browser` condition of its exports map). What a custom provider's
 * author needs beyond `defineProvider` is in `rx-task-status/provider`.
 */
export { streamTasks, STREAM_CHAT_BASE_URL, STREAM_VIDEO_BASE_URL, type StreamOptions } from './providers/stream.js';
export { mobizonTasks, MOBIZON_DOMAINS, type MobizonOptions } from './providers/mobizon.js';
export { postmanTasks, POSTMAN_BASE_URL, type PostmanOptions, type PostmanTaskRef } from './providers/postman.js';
export { defineProvider, type TaskSource, type TaskSourceFactory } from './core/taskSource.js';
export { hubTasks, type HubTasksOptions } from './hubClient/hubTasks.js';
export type { HubFetch } from './hubClient/hubConnection.js';
export type { SourceOptions, WatchOptions } from './core/sourceOptions.js';
export type { AnswerEvent, PausedEvent, RateLimitedEvent, RequestEvent, ResumedEvent, RetryEvent, TaskSourceEvent } from './core/sourceEvents.js';
export type { RetryOptions } from './core/retry.js';
export type { FetchLike } from './core/http.js';
export {
  exponentialInterval,
  fixedInterval,
  progressAwareInterval,
  type ExponentialIntervalOptions,
  type IntervalPolicy,
  type ProgressAwareOptions,
} from './core/intervalPolicy.js';
export { whenDocumentHidden, type VisibilityDocument } from './core/whenDocumentHidden.js';
export { isTerminal, type TaskState, type TaskStateError, type TaskStatus } from './core/taskState.js';
export {
  AuthenticationError,
  DecodeError,
  ProviderError,
  RateLimitError,
  TaskError,
  TaskFailedError,
  TaskIncompleteError,
  TaskNotFoundError,
  TaskTimeoutError,
  TransportError,
  type TaskErrorCode,
  type TaskTimeout,
  type TransportFailure,
} from './core/errors/index.js';
export { untilTerminal, type UntilTerminalOptions } from './operators/untilTerminal.js';
export { withTimeout, type WithTimeoutConfig } from './operators/withTimeout.js';
export { combineTasks, type CombineTasksOptions, type TaskInputs, type TaskSnapshot } from './operators/combineTasks.js';
export type { TaskBatchState, TaskCounts, TaskErrors } from './operators/taskBatchState.js';
export { waitForTask, type WaitForTaskOptions } from './adapters/waitForTask.js';
export { waitForBatch, type WaitForBatchOptions } from './adapters/waitForBatch.js';
export { toAsyncIterable } from './adapters/toAsyncIterable.js';
