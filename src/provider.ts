/**
 * What the author of a custom provider needs beyond `defineProvider` (which
 * the main entry exports): the shapes a provider is described with, body
 * decoding with io-ts, the usual meaning of HTTP statuses, rate-limit headers,
 * and the seams a source is built on (the transport, a shared request budget,
 * a coordination of processes). See docs/custom-provider.md.
 *
 * @module rx-task-status/provider
 */
export type {
  DecodeInput,
  DecodeResult,
  ProviderDefaults,
  ProviderDefinition,
  ProviderRequest,
  ProviderSetup,
  RequestInput,
  TaskIdentity,
} from './core/provider.js';
export type { TaskStateInit } from './core/taskState.js';
export { DEFAULT_RETRY, httpFailure, type HttpFailureInput, type ProviderFailure, type RetryPolicy } from './core/retry.js';
export { decodeJsonBody, decodeWith, describeValidationErrors, MAX_BODY_DEPTH, parseJsonBody, type DecodedBody } from './core/decodeBody.js';
export { lenient, LooseNumber, Timestamp } from './providers/codecs.js';
export { parseRetryAfter, readRateLimitHints, type HeaderReader, type RateLimitHints } from './core/rateLimitHints.js';
export type { HttpMethod, HttpRequest, HttpResponse, Transport } from './core/http.js';
export type { ResponseLike } from './core/readBody.js';
export type { NextPollDelay, PollObservation } from './core/intervalPolicy.js';
export type {
  DecodeErrorOptions,
  ProviderErrorOptions,
  RateLimitErrorOptions,
  TaskErrorOptions,
  TaskIncompleteErrorOptions,
  TaskTimeoutErrorOptions,
  TransportErrorOptions,
} from './core/errors/index.js';
export type { BudgetAnswer, RequestBudget } from './core/budget.js';
export type { CoordinatedTaskEvents, CoordinatedTaskHandle, CoordinatedTaskInfo, TaskCoordination } from './core/coordination.js';
