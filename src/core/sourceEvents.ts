import { Observable, type Subscriber } from 'rxjs';
import type { TaskError } from './errors/index.js';

/** What every event of a source says: whose, and when. */
interface SourceEventBase {
  /** The source's provider, as in its states. */
  readonly provider: string;
  /** When, in ms on the source's clock (its `scheduler`: `Date.now()` by default). */
  readonly at: number;
}

/** A request has started: a poll of task `id`, or, for a hub source, the opening of its connection (no `id`). */
export interface RequestEvent extends SourceEventBase {
  /** A request started. */
  readonly type: 'request';
  /** The task polled; unset for a request that serves every task (a hub connection). */
  readonly id?: string | undefined;
  /** 1 for a poll after a good answer; `n + 1` for the poll that is retry `n`. */
  readonly attempt: number;
}

/** The provider answered a request (whatever its status: what it means comes with the next state or retry). */
export interface AnswerEvent extends SourceEventBase {
  /** An answer came. */
  readonly type: 'answer';
  /** The task polled; unset for a hub connection. */
  readonly id?: string | undefined;
  /** The HTTP status. */
  readonly status: number;
  /** From the request's start to its answer. */
  readonly ms: number;
}

/** A request failed and will be tried again after `delayMs`. */
export interface RetryEvent extends SourceEventBase {
  /** A retry is scheduled. */
  readonly type: 'retry';
  /** The task whose poll failed; unset for a hub connection. */
  readonly id?: string | undefined;
  /** This is retry number `attempt` (1-based)… */
  readonly attempt: number;
  /** …of at most `retries` (the source's `retry.retries`) before the watch ends with `cause`. */
  readonly retries: number;
  /** Until the retry, ms (the backoff, or the server's wait when longer). */
  readonly delayMs: number;
  /** Why, with every secret removed. */
  readonly cause: TaskError;
  /** The cause in a few words, fit for a status line: `connection refused`, `HTTP 503`, `timed out after 10000 ms`. */
  readonly reason: string;
}

/** The provider asked the whole source (and everyone sharing its budget) to wait: a 429, a `Retry-After`, or its budget spent. */
export interface RateLimitedEvent extends SourceEventBase {
  /** The provider asked the source to wait. */
  readonly type: 'rate-limited';
  /** Until `until`, ms from now. */
  readonly waitMs: number;
  /** No request starts before this time (same clock as `at`). */
  readonly until: number;
}

/** `pauseWhen` said `true` (the page was hidden): no request starts until it says `false`. */
export interface PausedEvent extends SourceEventBase {
  /** `pauseWhen` paused the source. */
  readonly type: 'paused';
}

/** `pauseWhen` said `false` again: every waiting task polls. */
export interface ResumedEvent extends SourceEventBase {
  /** `pauseWhen` resumed the source. */
  readonly type: 'resumed';
}

/**
 * What a source does, as {@link TaskSource.events} tells it: for a status
 * line ("retrying in 8 s: connection refused, attempt 3 of 9"), logs and
 * metrics. Told as it happens, to whoever listens then; never replayed.
 */
export type TaskSourceEvent = RequestEvent | AnswerEvent | RetryEvent | RateLimitedEvent | PausedEvent | ResumedEvent;

/**
 * Where a source tells its events. Free when nobody listens: callers ask
 * {@link SourceEvents.observed} before they build an event, so a source
 * nobody listens to builds none. A set of subscribers rather than a
 * `Subject`: all a Subject adds here is weight in every page's bundle.
 */
export class SourceEvents {
  private readonly listeners = new Set<Subscriber<TaskSourceEvent>>();
  /** The events, for `TaskSource.events`: never completes; each subscriber hears what happens while it listens. */
  readonly events: Observable<TaskSourceEvent> = new Observable((subscriber) => {
    this.listeners.add(subscriber);
    return () => this.listeners.delete(subscriber);
  });

  constructor(readonly provider: string) {}

  /** Whether anyone listens now. */
  get observed(): boolean {
    return this.listeners.size > 0;
  }

  /** Tells an event (built by the caller, after asking {@link observed}). */
  emit(event: TaskSourceEvent): void {
    // A copy: a listener may leave (or another come) while the event is told.
    for (const listener of [...this.listeners]) listener.next(event);
  }
}
