import { Observable, type Observer, type Subscription } from 'rxjs';
import type { CoordinatedTaskEvents, CoordinatedTaskHandle, TaskCoordination } from './coordination.js';
import type { TaskError } from './errors/index.js';
import type { HttpResponse } from './http.js';
import type { NextPollDelay } from './intervalPolicy.js';
import { PollLoop, type PollHost } from './pollLoop.js';
import { isTerminal, type TaskState } from './taskState.js';
import { WatchedTask } from './watchedTask.js';
import { subscribeUnwitnessed, subscribeWitnessed, type WatchWitness } from './watchWitness.js';

/** What a coordinated task needs of its source. */
export interface CoordinatedHost<TRef> extends PollHost<TRef> {
  readonly coordination: TaskCoordination;
  /** The coordinated task has stopped (no subscriber left, or it ended): the source forgets it. */
  stopped(task: WatchedTask, notBefore: number): void;
}

/**
 * A watched task whose polling is shared with other processes: its
 * subscribers get the states, whichever process polls. When the
 * coordination says this process leads, it runs a poll loop of its own and
 * publishes what it polls; otherwise it emits what the leader publishes.
 * Either way a subscriber sees each change once, and the end (a terminal
 * state or an error) once.
 */
export class CoordinatedTask<TRef> extends WatchedTask implements CoordinatedTaskEvents {
  private handle: CoordinatedTaskHandle | undefined;
  private leading: Subscription | undefined;
  private done = false;
  /** When this process last started a poll of the task: a lease taken back keeps the interval from it too. */
  private lastPoll = -Infinity;

  constructor(
    private readonly host: CoordinatedHost<TRef>,
    private readonly ref: TRef,
    readonly id: string,
    readonly key: string,
    private readonly interval: number,
    private readonly nextDelay: () => NextPollDelay,
  ) {
    super();
  }

  start(): void {
    if (this.handle !== undefined || this.done) return;
    this.handle = this.host.coordination.join({ provider: this.host.provider, key: this.key, id: this.id, interval: this.interval }, this);
  }

  lead(notBeforeMs: number): void {
    if (this.done || this.leading !== undefined) return;
    const now = this.host.options.scheduler.now();
    const notBefore = Math.max(now + Math.max(0, notBeforeMs), this.lastPoll + this.interval);
    const loop = new PollLoop(new LeaderHost(this.host, this), this.ref, this.id, this.key, this.nextDelay(), notBefore);
    // The end of the task is told to every other process before this one's subscribers hear it (and, say, close
    // their Redis client): a terminal state, an error and the completion wait for the news to have gone out.
    let told: Promise<void> = Promise.resolve();
    const leading = loopSubscription(loop as PollLoop<unknown>, { answered: () => this.answered(), failed: (error) => this.failedAttempt(error) }, {
      next: (state) => {
        told = this.handle?.publish(state) ?? told;
        if (isTerminal(state)) void told.then(() => this.done || this.emit(state));
        else this.emit(state);
      },
      error: (error: unknown) => {
        told = this.handle?.publishError(error as TaskError) ?? told;
        void told.then(() => this.end((subscriber) => subscriber.error(error)));
      },
      complete: () => void told.then(() => this.end((subscriber) => subscriber.complete())),
    });
    this.leading = leading;
  }

  follow(): void {
    const leading = this.leading;
    this.leading = undefined;
    leading?.unsubscribe();
  }

  state(state: TaskState): void {
    if (this.done) return;
    this.answered();
    this.emit(state);
    if (isTerminal(state)) this.end((subscriber) => subscriber.complete());
  }

  error(error: TaskError): void {
    if (this.done) return;
    this.end((subscriber) => subscriber.error(error));
  }

  alive(): void {
    if (!this.done) this.answered();
  }

  /** A poll of the leader's loop is about to start. */
  polling(): void {
    this.lastPoll = this.host.options.scheduler.now();
    this.handle?.polling();
  }

  protected stop(): void {
    if (this.done) return;
    this.done = true;
    this.follow();
    this.handle?.leave();
    this.handle = undefined;
    this.last = undefined;
    this.host.stopped(this, -Infinity);
  }
}

/**
 * The source, as the leader's poll loop sees it: every poll that starts is
 * told to the coordination (so a hand-over keeps the spacing), and the loop's
 * end is the coordinated task's business, not the source's.
 */
class LeaderHost<TRef> implements PollHost<TRef> {
  constructor(
    private readonly source: PollHost<TRef>,
    private readonly task: CoordinatedTask<TRef>,
  ) {}

  get provider(): string {
    return this.source.provider;
  }

  get options(): PollHost<TRef>['options'] {
    return this.source.options;
  }

  get requests(): PollHost<TRef>['requests'] {
    return this.source.requests;
  }

  get redact(): PollHost<TRef>['redact'] {
    return this.source.redact;
  }

  get tell(): PollHost<TRef>['tell'] {
    return this.source.tell;
  }

  send(ref: TRef, id: string): Observable<HttpResponse> {
    this.task.polling();
    return this.source.send(ref, id);
  }

  decode(ref: TRef, id: string, response: HttpResponse): ReturnType<PollHost<TRef>['decode']> {
    return this.source.decode(ref, id, response);
  }

  move(baseUrl: string): string | undefined {
    return this.source.move(baseUrl);
  }

  stopped(): void {
    // The coordinated task decides what a stopped leader loop means.
  }
}

/**
 * Subscribes to a poll loop as one more subscriber, and starts it. Its polls
 * are told to `witness` alone (the coordinated task, which tells its own
 * subscribers' witnesses), whatever subscription is being made around it.
 */
function loopSubscription(loop: PollLoop<unknown>, witness: WatchWitness, observer: Partial<Observer<TaskState>>): Subscription {
  const loop$ = new Observable<TaskState>((subscriber) => {
    const detach = loop.attach(subscriber);
    loop.start();
    return detach;
  });
  return subscribeUnwitnessed(() => subscribeWitnessed(witness, () => loop$.subscribe(observer)));
}
