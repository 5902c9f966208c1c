import crossFetch from 'cross-fetch';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { normalizeRetry, type RetryOptions, type RetryPolicy } from './backoff.js';
import type { FetchLike, Transport } from './http.js';
import { expectFunction, expectPositiveNumber } from './validate.js';

/** Options every source takes, whatever the provider. */
export interface SourceOptions {
  /**
   * Milliseconds between the starts of two polls of one task.
   * Default: the provider's (see its docs); never below the provider's minimum.
   */
  readonly interval?: number;
  /**
   * Requests this source may start in any one-second window, shared by all its
   * tasks. Default: the provider's. Values of 1 and more are rounded down;
   * below 1, one request per `1 / maxRequestsPerSecond` seconds.
   */
  readonly maxRequestsPerSecond?: number;
  /** Requests of this source in flight at once. Default: the provider's, else 6. */
  readonly maxConcurrentRequests?: number;
  /** A request that has not fully answered within this many ms is aborted and retried. Default 10000. */
  readonly requestTimeout?: number;
  /** Response bodies over this many bytes are cut off with a `TransportError`. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** How failed polls are retried. */
  readonly retry?: RetryOptions;
  /** The fetch to use. Default: cross-fetch. */
  readonly fetch?: FetchLike;
  /** Allow a plain `http:` base URL on a host that is not loopback. Default false. */
  readonly allowInsecureHttp?: boolean;
  /** Clock and timers of everything time-based. Default: `asyncScheduler` (tests pass a `TestScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** Source of randomness for jitter, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Replaces the fetch-based transport altogether (advanced: a test in virtual
   * time, a custom HTTP client). `fetch`, `requestTimeout` and `maxBodyBytes`
   * then do nothing.
   */
  readonly transport?: Transport;
}

/** Per-watch options. */
export interface WatchOptions {
  /** Overrides the source's interval for this task (first subscriber's options win while polls are shared). */
  readonly interval?: number;
}

/** What a provider sets as its defaults and limits. */
export interface ProviderDefaults {
  /** Default ms between polls of one task. */
  readonly interval: number;
  /** Default request budget per second for a source. */
  readonly maxRequestsPerSecond: number;
  readonly maxConcurrentRequests?: number;
  /** The provider's documented minimum gap between two requests for one task, in ms. Default 0. */
  readonly minInterval?: number;
}

export interface ResolvedSourceOptions {
  readonly interval: number;
  readonly minInterval: number;
  readonly maxRequestsPerSecond: number;
  readonly maxConcurrentRequests: number;
  readonly requestTimeout: number;
  readonly maxBodyBytes: number;
  readonly retry: RetryPolicy;
  readonly fetch: FetchLike;
  readonly allowInsecureHttp: boolean;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  readonly transport: Transport | undefined;
}

export const DEFAULT_REQUEST_TIMEOUT = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_MAX_CONCURRENT = 6;

/** Validates the options once (a `TypeError` names the first bad one) and fills in defaults. */
export function resolveSourceOptions(options: SourceOptions, defaults: ProviderDefaults): ResolvedSourceOptions {
  const minInterval = defaults.minInterval ?? 0;
  return {
    interval: resolveInterval('interval', options.interval ?? defaults.interval, minInterval),
    minInterval,
    maxRequestsPerSecond: expectPositiveNumber('maxRequestsPerSecond', options.maxRequestsPerSecond ?? defaults.maxRequestsPerSecond, { allowInfinity: true }),
    maxConcurrentRequests: expectPositiveNumber(
      'maxConcurrentRequests',
      options.maxConcurrentRequests ?? defaults.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT,
      { allowInfinity: true },
    ),
    requestTimeout: expectPositiveNumber('requestTimeout', options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT),
    maxBodyBytes: expectPositiveNumber('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    retry: normalizeRetry(options.retry),
    fetch: expectFunction<FetchLike>('fetch', options.fetch ?? (crossFetch as unknown as FetchLike)),
    allowInsecureHttp: options.allowInsecureHttp === true,
    scheduler: options.scheduler ?? asyncScheduler,
    random: expectFunction<() => number>('random', options.random ?? Math.random),
    transport: options.transport === undefined ? undefined : expectFunction<Transport>('transport', options.transport),
  };
}

/** An interval is positive and finite; below the provider's minimum it is raised to it. */
export function resolveInterval(name: string, value: unknown, minInterval: number): number {
  return Math.max(minInterval, expectPositiveNumber(name, value));
}
