import { defaultFetch } from './defaultFetch.js';
import type { SchedulerLike } from 'rxjs';
import { asyncScheduler as defaultScheduler, type Observable } from 'rxjs';
import { normalizeRetry, type RetryOptions, type RetryPolicy } from './retry.js';
import type { FetchLike, Transport } from './http.js';
import { fixedInterval, type IntervalPolicy } from './intervalPolicy.js';
import type { RequestBudget } from './budget.js';
import type { TaskCoordination } from './coordination.js';
import type { ProviderDefaults } from './provider.js';
import type { TaskState } from './taskState.js';
import { expectDelay, expectFraction, expectFunction, expectObservable, expectOptionalBoolean, expectPolicy, expectPositiveNumber, expectScheduler, show } from './validate.js';

/** Options every source takes, whatever the provider. */
export interface SourceOptions {
  /**
   * Milliseconds between the starts of two polls of one task.
   * Default: the provider's (Stream 1000, Mobizon 2000, Postman 2000); never
   * below the provider's minimum (Mobizon: 1000).
   */
  readonly interval?: number | undefined;
  /**
   * Requests this source may start in any one-second window, shared by all its
   * tasks. Default: the provider's (Stream 2, Mobizon 1, Postman 2). Values of
   * 1 and more are rounded down; below 1, one request per
   * `1 / maxRequestsPerSecond` seconds.
   */
  readonly maxRequestsPerSecond?: number | undefined;
  /**
   * A request budget shared with others: every process (or source) given
   * the same one starts no more than its limit of requests in any one-second
   * window, all together (`redisBudget` from `rx-task-status/redis`). It
   * replaces the source's own default budget; a `maxRequestsPerSecond` given
   * beside it still caps this source alone. Default: the source's own.
   */
  readonly budget?: RequestBudget | undefined;
  /**
   * Polls each task once across every process that watches it
   * (`redisCoordination` from `rx-task-status/redis`): one holds the task's
   * lease and polls, the others receive its states. Default: this process
   * polls every task it watches.
   */
  readonly coordination?: TaskCoordination | undefined;
  /** Requests of this source in flight at once. Default: the provider's, else 6. */
  readonly maxConcurrentRequests?: number | undefined;
  /**
   * How the gap between two polls of a task is chosen: `fixedInterval()`,
   * `exponentialInterval({...})` or `progressAwareInterval()`. Default: the
   * provider's (progress-aware for Mobizon, which reports progress; fixed for
   * Stream and Postman).
   */
  readonly policy?: IntervalPolicy | undefined;
  /** The gap between two polls of a task never grows past this, ms. Default 60000 (or `interval`, if longer). */
  readonly maxInterval?: number | undefined;
  /** Each gap is scaled by a random factor in [1 - jitter, 1 + jitter], so tasks started together spread out. Default 0.1. */
  readonly jitter?: number | undefined;
  /**
   * Share of the provider's announced rate limit (`X-RateLimit-Limit`) left for
   * the account's other clients when the source paces itself. Default 0.1.
   */
  readonly reserve?: number | undefined;
  /**
   * While this emits `true`, the source sends no polls (a front end passes the
   * page's visibility: see `whenDocumentHidden()`). When it turns `false`, every
   * waiting task polls at once. Subscribed while the source watches anything.
   * Default: never paused.
   */
  readonly pauseWhen?: Observable<boolean> | undefined;
  /** A request that has not fully answered within this many ms is aborted and retried. Default 10000. */
  readonly requestTimeout?: number | undefined;
  /** Response bodies over this many bytes are cut off with a `TransportError`. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /**
   * A state keeps the body it was read from (`raw`) only when the body is at
   * most this many bytes; a larger one is read, then let go (`raw` is
   * `undefined`), so that a watched task does not hold it. `Infinity` keeps
   * every body. Default 64 KiB.
   */
  readonly maxRawBytes?: number | undefined;
  /**
   * How failed polls are retried, field by field over the provider's defaults.
   * Default: 5 retries, 1 s doubling up to 30 s (Postman: 9 retries, up to 60 s).
   */
  readonly retry?: RetryOptions | undefined;
  /** The fetch to use. Default: in Node, a small fetch over `node:http` (keep-alive, through Node's global agents); the page's own `fetch` in a browser bundle. */
  readonly fetch?: FetchLike | undefined;
  /** Allow a plain `http:` base URL on a host that is not loopback. Default false. */
  readonly allowInsecureHttp?: boolean | undefined;
  /** Clock and timers of everything time-based. Default: `asyncScheduler` (tests pass a `TestScheduler`). */
  readonly scheduler?: SchedulerLike | undefined;
  /** Source of randomness for jitter, in [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /**
   * Replaces the fetch-based transport altogether (advanced: a test in virtual
   * time, a custom HTTP client). `fetch`, `requestTimeout` and `maxBodyBytes`
   * then do nothing. Default: `fetch` with the options above.
   */
  readonly transport?: Transport | undefined;
}

/**
 * Per-watch options. `interval` and `policy` shape the task's poll loop, which
 * is shared by every subscriber of the task: the first subscription's win.
 * `resumeFrom` and `deadline` belong to each watch.
 */
export interface WatchOptions {
  /** Overrides the source's interval for this task. */
  readonly interval?: number | undefined;
  /** Overrides the source's interval policy for this task. */
  readonly policy?: IntervalPolicy | undefined;
  /**
   * A state stored earlier (before a page reload, say): emitted first, and not
   * again unless the task has changed since. A terminal one is emitted and
   * completes the watch without a request.
   */
  readonly resumeFrom?: TaskState | undefined;
  /**
   * An absolute deadline (a `Date`, or ms on the scheduler's clock): the watch
   * errors with `TaskTimeoutError` when it passes. Being absolute, it survives
   * a resume: store it beside the state and pass both back.
   */
  readonly deadline?: Date | number | undefined;
}

export interface ResolvedSourceOptions {
  readonly interval: number;
  readonly minInterval: number;
  readonly maxInterval: number;
  readonly policy: IntervalPolicy;
  readonly jitter: number;
  readonly reserve: number;
  readonly pauseWhen: Observable<boolean> | undefined;
  readonly maxRequestsPerSecond: number;
  readonly budget: RequestBudget | undefined;
  readonly coordination: TaskCoordination | undefined;
  readonly maxConcurrentRequests: number;
  readonly requestTimeout: number;
  readonly maxBodyBytes: number;
  readonly maxRawBytes: number;
  readonly retry: RetryPolicy;
  readonly fetch: FetchLike;
  readonly allowInsecureHttp: boolean;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  readonly transport: Transport | undefined;
}

export const DEFAULT_REQUEST_TIMEOUT = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RAW_BYTES = 64 * 1024;
const DEFAULT_MAX_CONCURRENT = 6;
const DEFAULT_MAX_INTERVAL = 60_000;
const DEFAULT_JITTER = 0.1;
const DEFAULT_RESERVE = 0.1;

/** Validates the options once (a `TypeError` names the first bad one) and fills in defaults. */
export function resolveSourceOptions(options: SourceOptions, defaults: ProviderDefaults): ResolvedSourceOptions {
  const minInterval = defaults.minInterval ?? 0;
  const interval = resolveInterval('interval', options.interval ?? defaults.interval, minInterval);
  return {
    interval,
    minInterval,
    maxInterval: Math.max(interval, expectDelay('maxInterval', options.maxInterval ?? DEFAULT_MAX_INTERVAL)),
    policy: expectPolicy<IntervalPolicy>('policy', options.policy ?? defaults.policy ?? fixedInterval()),
    jitter: expectFraction('jitter', options.jitter ?? DEFAULT_JITTER),
    reserve: expectFraction('reserve', options.reserve ?? DEFAULT_RESERVE),
    pauseWhen: options.pauseWhen === undefined ? undefined : expectObservable<boolean>('pauseWhen', options.pauseWhen),
    // A shared budget replaces the provider's default one; an explicit limit still caps this source.
    maxRequestsPerSecond: expectPositiveNumber(
      'maxRequestsPerSecond',
      options.maxRequestsPerSecond ?? (options.budget === undefined ? defaults.maxRequestsPerSecond : Number.POSITIVE_INFINITY),
      { allowInfinity: true },
    ),
    budget: options.budget === undefined ? undefined : expectBudget(options.budget),
    coordination: options.coordination === undefined ? undefined : expectCoordination(options.coordination),
    maxConcurrentRequests: expectPositiveNumber(
      'maxConcurrentRequests',
      options.maxConcurrentRequests ?? defaults.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT,
      { allowInfinity: true },
    ),
    requestTimeout: expectDelay('requestTimeout', options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT),
    maxBodyBytes: expectPositiveNumber('maxBodyBytes', options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    maxRawBytes: expectPositiveNumber('maxRawBytes', options.maxRawBytes ?? DEFAULT_MAX_RAW_BYTES, { allowZero: true, allowInfinity: true }),
    retry: normalizeRetry(defaults.retry, options.retry),
    fetch: expectFunction<FetchLike>('fetch', options.fetch ?? defaultFetch),
    allowInsecureHttp: expectOptionalBoolean('allowInsecureHttp', options.allowInsecureHttp) === true,
    scheduler: expectScheduler('scheduler', options.scheduler ?? defaultScheduler),
    random: expectFunction<() => number>('random', options.random ?? Math.random),
    transport: options.transport === undefined ? undefined : expectFunction<Transport>('transport', options.transport),
  };
}

function expectBudget(value: unknown): RequestBudget {
  const budget = value as Partial<RequestBudget> | null;
  if (typeof budget !== 'object' || budget === null || typeof budget.take !== 'function' || typeof budget.release !== 'function' || typeof budget.cancel !== 'function' || typeof budget.pause !== 'function') {
    throw new TypeError(`Expected \`budget\` to be a request budget (such as redisBudget(...) from rx-task-status/redis), got ${show(value)}.`);
  }
  return value as RequestBudget;
}

function expectCoordination(value: unknown): TaskCoordination {
  if (typeof (value as Partial<TaskCoordination> | null)?.join !== 'function') {
    throw new TypeError(`Expected \`coordination\` to be a task coordination (such as redisCoordination(...) from rx-task-status/redis), got ${show(value)}.`);
  }
  return value as TaskCoordination;
}

/** An interval is positive and finite; below the provider's minimum it is raised to it. */
export function resolveInterval(name: string, value: unknown, minInterval: number): number {
  return Math.max(minInterval, expectDelay(name, value));
}
