export { TaskError, type TaskErrorCode, type TaskErrorOptions } from './TaskError.js';
export { TaskNotFoundError } from './TaskNotFoundError.js';
export { AuthenticationError } from './AuthenticationError.js';
export { RateLimitError, type RateLimitErrorOptions } from './RateLimitError.js';
export { DecodeError, type DecodeErrorOptions } from './DecodeError.js';
export { TransportError, type TransportErrorOptions, type TransportFailure } from './TransportError.js';
export { TaskTimeoutError, type TaskTimeout, type TaskTimeoutErrorOptions } from './TaskTimeoutError.js';
export { TaskFailedError } from './TaskFailedError.js';
export { ProviderError, type ProviderErrorOptions } from './ProviderError.js';
