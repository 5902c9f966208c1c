import { left } from './either.js';
import type { Observable, Subscription } from 'rxjs';
import { decideRetry, requestFailure, type ProviderFailure } from './retry.js';
import { messageOf } from './errors/errorLike.js';
import { DecodeError, ProviderError, TaskError } from './errors/index.js';
import type { HttpResponse } from './http.js';
import type { NextPollDelay } from './intervalPolicy.js';
import type { DecodeResult } from './provider.js';
import { redactError, type Redactor } from './redact.js';
import { failureReason } from './errors/failureReason.js';
import type { SourceEvents } from './sourceEvents.js';
import { ARRIVAL_MARGIN_MS } from './budget.js';
import type { RequestScheduler, Ticket, Turn } from './requestScheduler.js';
import type { ResolvedSourceOptions } from './sourceOptions.js';
import { createTaskState, describeInvalidInit, isTerminal, type TaskState } from './taskState.js';
import { WatchedTask } from './watchedTask.js';

/** The source's settings a poll loop reads (see `SourceOptions` for each). */
export type PollSettings = Pick<ResolvedSourceOptions, 'minInterval' | 'maxInterval' | 'jitter' | 'retry' | 'random' | 'scheduler' | 'maxRawBytes'>;

/** What every poll loop of one source shares: its settings, its scheduler, and the way to its provider. */
export interface PollHost<TRef> {
  readonly provider: string;
  readonly options: PollSettings;
  readonly requests: RequestScheduler;
  readonly redact: Redactor;
  /** Where the source tells what it does (`TaskSource.events`). */
  readonly tell: SourceEvents;
  /** Sends one poll request of the task; unsubscribing aborts it. */
  send(ref: TRef, id: string): Observable<HttpResponse>;
  decode(ref: TRef, id: string, response: HttpResponse): DecodeResult;
  /** Moves the source to another base URL; returns why the URL was refused, or `undefined` once moved. */
  move(baseUrl: string): string | undefined;
  /**
   * The loop has stopped (terminal state, error, or no subscriber left), with
   * the earliest time the task may be polled again (its minimum gap, a
   * `Retry-After`), which a loop started again for it must keep to.
   */
  stopped(loop: PollLoop<TRef>, notBefore: number): void;
}

/**
 * Polls one task until it is terminal, for every subscriber of it at once:
 * one request per poll however many watch it, and a late subscriber first gets
 * the latest state. Emits a state when (and only when) the normalised state
 * changes, completes after the first terminal state, retries transient
 * failures with backoff, and errors at once on anything else. Every request
 * goes through the source's {@link RequestScheduler}; when the last
 * subscriber leaves, the queued turn is given up and the request in flight
 * aborted.
 *
 * A class rather than closures and RxJS's `share`: one lives for every
 * watched task, and an idle task should cost little more than its last state.
 */
export class PollLoop<TRef> extends WatchedTask {
  private readonly floor: number;
  private polls = 0;
  private failures = 0;
  private moved = false;
  private started = false;
  private done = false;
  private lastStart = -Infinity;
  /**
   * When the last request of this task ended. The provider's minimum gap counts
   * from here, not from the start: the server saw the request arrive somewhere
   * in between, so a request delayed on the way could otherwise be followed by
   * the next one less than the minimum later.
   */
  private lastEnd = -Infinity;
  private ticket: Ticket | undefined;
  private turn: Turn | undefined;
  private inFlight: Subscription | undefined;

  constructor(
    private readonly host: PollHost<TRef>,
    private readonly ref: TRef,
    readonly id: string,
    readonly key: string,
    private readonly nextDelay: NextPollDelay,
    /** A `Retry-After` on a good answer is this task's alone: kept until it has passed. */
    private notBefore = -Infinity,
  ) {
    super();
    this.floor = host.options.minInterval > 0 ? host.options.minInterval + ARRIVAL_MARGIN_MS : 0;
  }

  /** Asks for the first poll (once the first subscriber is attached, so that an answer at once reaches it). */
  start(): void {
    if (this.started || this.done) return;
    this.started = true;
    this.pollAt(this.host.options.scheduler.now());
  }

  /** The policy's time (`dueAt`) may move (a paused source resumes at once); the floors may not. */
  private pollAt(dueAt: number, backoffUntil = -Infinity): void {
    this.ticket = this.host.requests.request(dueAt, this, Math.max(this.lastEnd + this.floor, this.notBefore, backoffUntil));
  }

  /** The scheduler's call: this task's request may start now. */
  onTurn(turn: Turn): void {
    this.ticket = undefined;
    this.turn = turn;
    this.lastStart = turn.startedAt;
    const events = this.host.tell;
    if (events.observed) events.emit({ type: 'request', provider: this.host.provider, id: this.id, attempt: this.failures + 1, at: turn.startedAt });
    this.inFlight = this.host.send(this.ref, this.id).subscribe({
      next: (response) => this.received(response),
      error: (error: unknown) => this.failed(error),
    });
  }

  /** The scheduler's call: its shared budget could not be asked. Like a request without an answer, but none was sent. */
  onTurnFailed(error: unknown): void {
    this.ticket = undefined;
    this.onFailure(requestFailure(error, this.id));
  }

  // The turn is given back only once the answer is read: a 429 or "Remaining: 0" must
  // pause the source before the freed slot can go to the next task.
  private received(response: HttpResponse): void {
    const { turn, inFlight } = this;
    this.lastEnd = this.host.options.scheduler.now();
    try {
      this.onResponse(response);
    } finally {
      this.letGo(turn, inFlight);
    }
  }

  private failed(error: unknown): void {
    const { turn, inFlight } = this;
    this.lastEnd = this.host.options.scheduler.now();
    try {
      this.onFailure(requestFailure(error, this.id));
    } finally {
      this.letGo(turn, inFlight);
    }
  }

  /** Gives back the turn of an answered request and forgets the request, so that an idle task holds neither. */
  private letGo(turn: Turn | undefined, inFlight: Subscription | undefined): void {
    turn?.release();
    // Reading the answer may have started the next request already: only this one is forgotten.
    if (this.turn === turn) this.turn = undefined;
    if (this.inFlight === inFlight) this.inFlight = undefined;
  }

  private onResponse(response: HttpResponse): void {
    const { host } = this;
    const events = host.tell;
    if (events.observed) events.emit({ type: 'answer', provider: host.provider, id: this.id, status: response.status, ms: this.lastEnd - this.lastStart, at: this.lastEnd });
    host.requests.observe(response.hints);
    let outcome: DecodeResult;
    try {
      outcome = host.decode(this.ref, this.id, response);
    } catch (error) {
      // A provider's decode must not throw; if one does, it ends here rather than escaping.
      outcome = left(new DecodeError(`The ${host.provider} provider could not read the response for task ${this.id}: ${messageOf(error)}`, { cause: error }));
    }
    if (outcome._tag === 'Left') {
      this.onFailure(outcome.left instanceof TaskError ? { error: outcome.left, retryable: false } : outcome.left, response);
      return;
    }
    let state: TaskState;
    try {
      const problem = describeInvalidInit(outcome.right);
      if (problem !== undefined) throw new DecodeError(`The ${host.provider} provider made an invalid state for task ${this.id}: ${problem}`);
      // A body too large to be worth keeping is not kept: the state is what it says, `raw` is left out.
      const init = exceedsBytes(response.body, host.options.maxRawBytes) ? { ...outcome.right, raw: undefined } : outcome.right;
      state = createTaskState(host.provider, this.id, init, host.redact);
    } catch (error) {
      // Whatever a body does to the making of a state ends the watch in its error channel, never outside it.
      const failure = error instanceof TaskError ? error : new DecodeError(`The ${host.provider} provider's state for task ${this.id} could not be made: ${messageOf(error)}`, { cause: error });
      this.onFailure({ error: failure, retryable: false });
      return;
    }
    this.onState(state, response);
  }

  private onState(state: TaskState, response: HttpResponse): void {
    const { host } = this;
    const now = host.options.scheduler.now();
    this.failures = 0;
    this.polls++;
    this.answered();
    this.emit(state);
    if (isTerminal(state)) {
      this.end((subscriber) => subscriber.complete());
      return;
    }
    if (this.done) return;
    if (response.hints.retryAfterMs !== undefined) this.notBefore = Math.max(this.notBefore, now + response.hints.retryAfterMs);
    const gap = this.nextDelay({ state, at: now, startedAt: this.lastStart, polls: this.polls });
    const jittered = gap * (1 + host.options.jitter * (2 * host.options.random() - 1));
    this.pollAt(this.lastStart + Math.min(host.options.maxInterval, Math.max(0, jittered)));
  }

  private onFailure(failure: ProviderFailure, response?: HttpResponse): void {
    const { host } = this;
    const now = host.options.scheduler.now();
    if (failure.moveTo !== undefined && !this.moved) {
      const refused = host.move(failure.moveTo);
      if (refused === undefined) {
        this.moved = true;
        this.pollAt(now);
        return;
      }
      failure = { error: movedRefused(failure.error, refused), retryable: false };
    }
    this.failures++;
    const decision = decideRetry({ failure, failures: this.failures, now, ...(response === undefined ? {} : { response }) }, host.options.retry, host.options.random);
    if (decision.stop !== undefined) {
      const error = redactError(asTaskError(decision.stop, host.provider, this.id), host.redact);
      this.end((subscriber) => subscriber.error(error));
      return;
    }
    const cause = redactError(asTaskError(failure.error, host.provider, this.id), host.redact);
    this.failedAttempt(cause);
    if (host.tell.observed) {
      const { retries } = host.options.retry;
      host.tell.emit({ type: 'retry', provider: host.provider, id: this.id, attempt: this.failures, retries, delayMs: decision.retryAt - now, cause, reason: failureReason(cause), at: now });
    }
    if (decision.pauseSourceUntil !== undefined) host.requests.pauseUntil(decision.pauseSourceUntil);
    this.pollAt(decision.retryAt, decision.retryAt);
  }

  protected stop(): void {
    if (this.done) return;
    this.done = true;
    const { host } = this;
    // A request cut off on the way may still have reached the server: it counts as ending now.
    if (this.inFlight !== undefined && !this.inFlight.closed) this.lastEnd = host.options.scheduler.now();
    this.ticket?.cancel();
    this.turn?.release();
    this.inFlight?.unsubscribe();
    this.last = undefined;
    host.stopped(this, Math.max(this.lastEnd + this.floor, this.notBefore));
  }
}

/** Whether a body's UTF-8 size is over `max` bytes; counted only when its length leaves it in doubt. */
function exceedsBytes(body: string, max: number): boolean {
  if (body.length > max) return true;
  if (body.length * 3 <= max) return false;
  let bytes = 0;
  for (let index = 0; index < body.length; index++) {
    const code = body.charCodeAt(index);
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code >= 0xd800 && code <= 0xdfff ? 2 : 3; // each half of a surrogate pair: 4 bytes for the pair
  }
  return bytes > max;
}

/** The provider's error, saying also where it would have sent the source, and why that was refused. */
function movedRefused(error: TaskError, refused: string): ProviderError {
  const providerCode = error instanceof ProviderError ? error.providerCode : undefined;
  return new ProviderError(`${error.message}; ${refused}`, { details: error.details, ...(providerCode === undefined ? {} : { providerCode }) });
}

/** The error with the task it concerns, where it does not say already. */
function asTaskError(error: TaskError, provider: string, id: string): TaskError {
  const fields = error as { provider?: string; taskId?: string };
  if (fields.provider === undefined) Object.assign(error, { provider });
  if (fields.taskId === undefined) Object.assign(error, { taskId: id });
  return error;
}
