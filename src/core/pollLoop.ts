import { isRight, left } from 'fp-ts/lib/Either.js';
import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { retryDelay, type RetryPolicy } from './backoff.js';
import { messageOf } from './errorLike.js';
import { DecodeError, TaskError, TransportError } from './errors/index.js';
import type { HttpResponse } from './http.js';
import type { NextPollDelay } from './intervalPolicy.js';
import type { DecodeResult, ProviderFailure } from './provider.js';
import { redactError, type Redactor } from './redact.js';
import { ARRIVAL_MARGIN_MS, type RequestScheduler, type Ticket, type Turn } from './requestScheduler.js';
import { createTaskState, isSameState, isTerminal, type TaskState } from './taskState.js';

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
    let notBefore = -Infinity;
    let ticket: Ticket | undefined;
    let inFlight: Subscription | undefined;

    const fail = (error: unknown) => subscriber.error(redactError(asTaskError(error, config), config.redact));

    const pollAt = (dueAt: number) => {
      ticket = config.requests.request(Math.max(dueAt, lastEnd + floor, notBefore), poll);
    };

    const poll = (turn: Turn) => {
      lastStart = turn.startedAt;
      inFlight = config.send().subscribe({
        next: (response) => {
          lastEnd = config.scheduler.now();
          turn.release();
          onResponse(response);
        },
        error: (error: unknown) => {
          lastEnd = config.scheduler.now();
          turn.release();
          onFailure({ error: asTaskError(error, config), retryable: isRetryableTransport(error) });
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
      if (isRight(outcome)) onState(createTaskState(config.provider, config.id, outcome.right), response);
      else onFailure(outcome.left instanceof TaskError ? { error: outcome.left, retryable: false } : outcome.left, response);
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
      const wait = serverWait(failure, response, now);
      // The server asked the account to stay away, not this task: every task of the source waits.
      if (wait > 0) config.requests.pauseUntil(now + wait);
      pollAt(now + Math.max(retryDelay(failures, config.retry, config.random), wait));
    };

    pollAt(config.scheduler.now());

    return () => {
      ticket?.cancel();
      inFlight?.unsubscribe();
      last = undefined;
    };
  });
}

/**
 * How long the server asked us to stay away: the provider's hint, `Retry-After`,
 * or, when the window's budget is spent (`Remaining: 0`), until its reset.
 */
function serverWait(failure: ProviderFailure, response: HttpResponse | undefined, now: number): number {
  const hints = response?.hints;
  const untilReset = hints?.remaining === 0 && hints.resetAt !== undefined ? hints.resetAt - now : 0;
  return Math.max(failure.retryAfterMs ?? 0, hints?.retryAfterMs ?? 0, untilReset);
}

/** Network failures and time-outs are worth another try; a body over the size cap is not. */
function isRetryableTransport(error: unknown): boolean {
  return !(error instanceof TransportError) || error.reason !== 'body-too-large';
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
