import { isRight, left } from 'fp-ts/lib/Either.js';
import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { retryDelay, type RetryPolicy } from './backoff.js';
import { messageOf } from './errorLike.js';
import { DecodeError, RateLimitError, TaskError, TransportError } from './errors/index.js';
import type { HttpResponse } from './http.js';
import type { NextPollDelay } from './intervalPolicy.js';
import type { DecodeResult, ProviderFailure } from './provider.js';
import { redactError, type Redactor } from './redact.js';
import { ARRIVAL_MARGIN_MS, type RequestScheduler, type Ticket, type Turn } from './requestScheduler.js';
import { createTaskState, describeInvalidInit, isSameState, isTerminal, type TaskState } from './taskState.js';

export interface PollLoopConfig {
  readonly provider: string;
  readonly id: string;
  /** The gap policy's answer for this task: ms from a poll's start to the next one's. */
  readonly nextDelay: NextPollDelay;
  /** Never start two requests for this task closer than this, whatever the reason (retries included). */
  readonly minInterval: number;
  /** The policy's gap is never longer than this. */
  readonly maxInterval: number;
  /** Each gap is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  readonly jitter: number;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  readonly scheduler: SchedulerLike;
  readonly requests: RequestScheduler;
  /** Sends this task's poll request; unsubscribing aborts it. */
  send(): Observable<HttpResponse>;
  decode(response: HttpResponse): DecodeResult;
  /** Moves the source to another base URL; returns false when the URL is refused. */
  move(baseUrl: string): boolean;
  readonly redact: Redactor;
  /** No request of this task before this time: what an earlier loop of the same task left (see `onStop`). */
  readonly notBefore?: number;
  /**
   * Called when the loop stops, with the earliest time the task may be polled
   * again (its minimum gap, a `Retry-After`): a loop started again for the
   * same task (a re-subscription) must keep to it.
   */
  onStop?(notBefore: number): void;
}

/**
 * Polls one task until it is terminal. Emits a state when (and only when) the
 * normalised state changes, completes after the first terminal state, retries
 * transient failures with backoff, and errors at once on anything else. All
 * requests go through the source's {@link RequestScheduler}; unsubscribing
 * gives up the queued turn and aborts the request in flight.
 */
export function pollLoop(config: PollLoopConfig): Observable<TaskState> {
  const floor = config.minInterval > 0 ? config.minInterval + ARRIVAL_MARGIN_MS : 0;
  return new Observable<TaskState>((subscriber) => {
    let last: TaskState | undefined;
    let polls = 0;
    let failures = 0;
    let moved = false;
    let lastStart = -Infinity;
    /**
     * When the last request of this task ended. The provider's minimum gap
     * counts from here, not from the start: the server saw the request arrive
     * somewhere in between, so a request delayed on the way could otherwise
     * be followed by the next one less than the minimum later.
     */
    let lastEnd = -Infinity;
    /** A `Retry-After` on a good answer is this task's alone: kept until it has passed. */
    let notBefore = config.notBefore ?? -Infinity;
    let ticket: Ticket | undefined;
    let inFlight: Subscription | undefined;

    const fail = (error: unknown) => subscriber.error(redactError(asTaskError(error, config), config.redact));

    /** The policy's time (`dueAt`) may move (a paused source resumes at once); the floors may not. */
    const pollAt = (dueAt: number, backoffUntil = -Infinity) => {
      ticket = config.requests.request(dueAt, poll, Math.max(lastEnd + floor, notBefore, backoffUntil));
    };

    // The turn is given back only once the answer is read: a 429 or "Remaining: 0" must
    // pause the source before the freed slot can go to the next task.
    const poll = (turn: Turn) => {
      lastStart = turn.startedAt;
      inFlight = config.send().subscribe({
        next: (response) => {
          lastEnd = config.scheduler.now();
          try {
            onResponse(response);
          } finally {
            turn.release();
          }
        },
        error: (error: unknown) => {
          lastEnd = config.scheduler.now();
          try {
            onFailure({ error: asTaskError(error, config), retryable: isRetryable(error) });
          } finally {
            turn.release();
          }
        },
      });
    };

    const onResponse = (response: HttpResponse) => {
      config.requests.observe(response.hints);
      let outcome: DecodeResult;
      try {
        outcome = config.decode(response);
      } catch (error) {
        // A provider's decode must not throw; if one does, it ends here rather than escaping.
        outcome = left(decodeCrash(error, config));
      }
      if (isRight(outcome)) {
        const problem = describeInvalidInit(outcome.right);
        if (problem === undefined) onState(createTaskState(config.provider, config.id, outcome.right), response);
        else onFailure({ error: new DecodeError(`The ${config.provider} provider made an invalid state for task ${config.id}: ${problem}`), retryable: false });
      } else {
        onFailure(outcome.left instanceof TaskError ? { error: outcome.left, retryable: false } : outcome.left, response);
      }
    };

    const onState = (state: TaskState, response: HttpResponse) => {
      const now = config.scheduler.now();
      failures = 0;
      polls++;
      if (last === undefined || !isSameState(last, state)) {
        last = state;
        subscriber.next(state);
      }
      if (isTerminal(state)) {
        subscriber.complete();
        return;
      }
      if (subscriber.closed) return;
      if (response.hints.retryAfterMs !== undefined) notBefore = Math.max(notBefore, now + response.hints.retryAfterMs);
      const gap = config.nextDelay({ state, at: now, startedAt: lastStart, polls });
      const jittered = gap * (1 + config.jitter * (2 * config.random() - 1));
      pollAt(lastStart + Math.min(config.maxInterval, Math.max(0, jittered)));
    };

    const onFailure = (failure: ProviderFailure, response?: HttpResponse) => {
      const now = config.scheduler.now();
      if (failure.moveTo !== undefined && !moved && config.move(failure.moveTo)) {
        moved = true;
        pollAt(now);
        return;
      }
      failures++;
      if (!failure.retryable || failures > config.retry.retries) {
        fail(failure.error);
        return;
      }
      const rateLimited = failure.error instanceof RateLimitError;
      const wait = serverWait(failure, response, now, rateLimited);
      const delay = Math.max(retryDelay(failures, config.retry, config.random), wait);
      // The server asked the account to stay away, not this task: every task of the source waits,
      // for as long as it said, or, after a 429 that said nothing, as long as this task backs off.
      if (wait > 0 || rateLimited) config.requests.pauseUntil(now + (rateLimited ? delay : wait));
      pollAt(now + delay, now + delay);
    };

    pollAt(config.scheduler.now());

    return () => {
      // A request cut off on the way may still have reached the server: it counts as ending now.
      if (inFlight !== undefined && !inFlight.closed) lastEnd = config.scheduler.now();
      ticket?.cancel();
      inFlight?.unsubscribe();
      last = undefined;
      config.onStop?.(Math.max(lastEnd + floor, notBefore));
    };
  });
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
 * What failed on the way to an answer. Network failures and time-outs are worth
 * another try, a body over the size cap is not; a `TaskError` of any other kind
 * (a provider's `request` that refused, say) is final. Anything else came from
 * a custom transport and is taken as a network failure.
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof TransportError) return error.reason !== 'body-too-large';
  return !(error instanceof TaskError);
}

function asTaskError(error: unknown, config: PollLoopConfig): TaskError {
  const taskError =
    error instanceof TaskError
      ? error
      : new TransportError(`Request for task ${config.id} failed: ${messageOf(error)}`, { reason: 'network', cause: error });
  const fields = taskError as { provider?: string; taskId?: string };
  if (fields.provider === undefined) Object.assign(taskError, { provider: config.provider });
  if (fields.taskId === undefined) Object.assign(taskError, { taskId: config.id });
  return taskError;
}

function decodeCrash(error: unknown, config: PollLoopConfig): DecodeError {
  return new DecodeError(`The ${config.provider} provider could not read the response for task ${config.id}: ${messageOf(error)}`, { cause: error });
}
